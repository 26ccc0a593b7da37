import { describe, expect, it } from 'vitest';
import {
  idempotencyKey,
  odooDatetime,
  parseMarkers,
  parseOdooDatetime,
  shiftKeyFor,
  summaryToRecords,
} from '../../../../src/io/odoo/productivity-records.js';
import type { ResolvedTargets } from '../../../../src/io/odoo/productivity-records.js';
import { MAPPING, makeSummary, randomShift } from './summary-fixtures.js';

const TARGETS: ResolvedTargets = {
  workCenters: new Map([['wc-1', { odooId: 11, companyId: 3 }]]),
  losses: new Map([
    ['mrp.block_reason7', 107],
    ['Reduced Speed', 104],
    ['mrp.block_reason2', 102],
    ['mrp.block_reason0', 100],
    ['mrp.block_reason1', 101],
  ]),
};

const T0 = Date.UTC(2026, 2, 28, 22, 0, 0, 0);

describe('summaryToRecords', () => {
  it('maps each posted interval to vals with loss, UTC second-precision dates, company and markers', () => {
    const s = makeSummary({
      workCenterId: 'wc-1',
      windowId: '2026-03-28/night',
      startMs: T0,
      pieces: [
        ['running', 1_500],
        ['down', 2_000, 'material'],
        ['down', 999, 'jam'],
        ['unknown', 10_000],
        ['idle', 4_501],
      ],
    });
    const { records, problems } = summaryToRecords(s, MAPPING, TARGETS);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.lossKey, r.vals.loss_id, r.vals.date_start, r.vals.date_end])).toEqual([
      ['running', 107, '2026-03-28 22:00:00', '2026-03-28 22:00:01'],
      ['down/material', 100, '2026-03-28 22:00:01', '2026-03-28 22:00:03'],
      ['down/jam', 101, '2026-03-28 22:00:03', '2026-03-28 22:00:04'],
      ['idle', 104, '2026-03-28 22:00:14', '2026-03-28 22:00:19'],
    ]);
    for (const r of records) {
      expect(r.vals.workcenter_id).toBe(11);
      expect(r.vals.company_id).toBe(3);
      expect(parseMarkers(r.vals.description)).toEqual({
        key: r.key,
        shiftKey: shiftKeyFor('plant-a', 'wc-1', '2026-03-28/night'),
        revision: 1,
      });
      expect(r.vals.description).toContain(`${r.endMs - r.startMs}ms`);
    }
  });

  it("writes each interval's work order as workorder_id (section 11); none without one", () => {
    const base = makeSummary({
      workCenterId: 'wc-1',
      windowId: '2026-03-28/night',
      startMs: T0,
      pieces: [
        ['running', 1_500],
        ['running', 2_000],
        ['idle', 3_000],
      ],
    });
    const [a, b, c] = base.intervals;
    const s = {
      ...base,
      intervals: [
        { ...a!, orderRef: 'WH/MO/00012', workOrderId: 41 },
        { ...b!, orderRef: 'WH/MO/00013', workOrderId: 42 },
        { ...c!, orderRef: null, workOrderId: null },
      ],
    };
    const { records } = summaryToRecords(s, MAPPING, TARGETS);
    expect(records.map((r) => r.vals.workorder_id)).toEqual([41, 42, undefined]);
    expect('workorder_id' in records[2]!.vals).toBe(false);
    expect(summaryToRecords(base, MAPPING, TARGETS).records.every((r) => !('workorder_id' in r.vals))).toBe(true);
  });

  it('keeps consecutive records contiguous and the total within one second of the exact total', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const s = randomShift('wc-1', seed % 5, seed % 3, seed);
      const { records } = summaryToRecords(
        s,
        { ...MAPPING, postCategories: ['running', 'idle', 'setup', 'planned_stop', 'down', 'unknown'] },
        TARGETS,
      );
      expect(records.length).toBe(s.intervals.length);
      for (let i = 1; i < records.length; i += 1)
        expect(records[i]?.vals.date_start).toBe(records[i - 1]?.vals.date_end);
      const postedMs = records.reduce(
        (n, r) => n + parseOdooDatetime(r.vals.date_end) - parseOdooDatetime(r.vals.date_start),
        0,
      );
      expect(Math.abs(postedMs - (s.endMs - s.startMs))).toBeLessThan(1_000);
    }
  });

  it('lists every missing loss and work center as a problem', () => {
    const mapping = { losses: new Map([['running', 'nope.missing']]), postCategories: MAPPING.postCategories };
    const s = makeSummary({
      workCenterId: 'wc-9',
      windowId: 'w',
      startMs: T0,
      pieces: [
        ['running', 1_000],
        ['idle', 1_000],
        ['down', 1_000, 'x'],
      ],
    });
    const { records, problems } = summaryToRecords(s, mapping, TARGETS);
    expect(records).toEqual([]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('work center "wc-9"');
    expect(problems.join('\n')).toContain('"nope.missing"');
    expect(problems.join('\n')).toContain('no entry for "idle"');
    expect(problems.join('\n')).toContain('"down/x" nor "down"');
  });
});

describe('idempotency keys', () => {
  it('are deterministic and change with every component', () => {
    const base = ['p', 'wc', 'w', 'productivity/running', 1000, 1] as const;
    const k = idempotencyKey(...base);
    expect(k).toMatch(/^[0-9a-f]{32}$/);
    expect(idempotencyKey(...base)).toBe(k);
    const variants = [
      idempotencyKey('q', 'wc', 'w', 'productivity/running', 1000, 1),
      idempotencyKey('p', 'wd', 'w', 'productivity/running', 1000, 1),
      idempotencyKey('p', 'wc', 'x', 'productivity/running', 1000, 1),
      idempotencyKey('p', 'wc', 'w', 'productivity/idle', 1000, 1),
      idempotencyKey('p', 'wc', 'w', 'productivity/running', 1001, 1),
      idempotencyKey('p', 'wc', 'w', 'productivity/running', 1000, 2),
    ];
    expect(new Set([k, ...variants]).size).toBe(7);
    // No ambiguity from separators inside ids.
    expect(idempotencyKey('a|b', 'c', 'w', 'k', 1, 1)).not.toBe(idempotencyKey('a', 'b|c', 'w', 'k', 1, 1));
  });

  it('are the same for the same summary mapped twice and differ between revisions', () => {
    const s1 = randomShift('wc-1', 1, 1, 7, 1);
    const s2 = randomShift('wc-1', 1, 1, 7, 2);
    const a = summaryToRecords(s1, MAPPING, TARGETS).records.map((r) => r.key);
    const b = summaryToRecords(s1, MAPPING, TARGETS).records.map((r) => r.key);
    const c = summaryToRecords(s2, MAPPING, TARGETS).records.map((r) => r.key);
    expect(b).toEqual(a);
    expect(c.filter((k) => a.includes(k))).toEqual([]);
  });
});

describe('datetimes', () => {
  it('floor milliseconds and round-trip', () => {
    expect(odooDatetime(Date.UTC(2026, 0, 2, 3, 4, 5, 999))).toBe('2026-01-02 03:04:05');
    expect(parseOdooDatetime('2026-01-02 03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });
  it('parseMarkers ignores foreign descriptions', () => {
    expect(parseMarkers('operator note')).toBeNull();
    expect(parseMarkers(false)).toBeNull();
  });
});
