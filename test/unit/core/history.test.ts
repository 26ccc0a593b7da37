import { describe, expect, it } from 'vitest';
import {
  decodeHistory,
  encodeHistory,
  F_AMT,
  F_INC,
  F_STRIDE,
  HistoryDict,
  KIND_MASK,
  MachineHistory,
  SnapshotTables,
  W_INFO,
  W_STRIDE,
} from '../../../src/core/history.js';
import { WindowedProcessor, type ProcessorSnapshotV1 } from '../../../src/core/processor.js';
import { machineEvent, type MachineEvent, type SampleValue } from '../../../src/core/types.js';
import { MIN, testPlan } from '../../support/plan.js';

const T = Date.UTC(2026, 5, 1, 10, 0, 0);
const base = { plantId: 'p', machineId: 'M1a', workCenterId: 'WC1' };
const state = (tag: string, dt: number, value: SampleValue, category: 'running' | 'down' = 'running'): MachineEvent =>
  machineEvent({ ...base, tag, tsMs: T + dt, kind: 'state', value }, { category });
const total = (dt: number, amount: number, value: SampleValue = amount): MachineEvent =>
  machineEvent(
    { ...base, tag: 'M1a.GOOD', tsMs: T + dt, kind: 'counter', value },
    { counter: 'good', mode: 'total', rolloverAt: 65536, amount },
  );
const hb = (dt: number, value: SampleValue): MachineEvent =>
  machineEvent({ ...base, tag: 'M1a.HB', tsMs: T + dt, kind: 'heartbeat', value });

function insert(m: MachineHistory, e: MachineEvent, late = false): number {
  expect(m.stage(e, m.slotOf(e.tag), late)).toBe(true);
  return m.insertPending();
}

/** The rows as readable tuples: [dt, tag, amt, inc, kind]. */
function rows(m: MachineHistory): [number, string, number, number, number][] {
  const out: [number, string, number, number, number][] = [];
  for (let i = 0; i < m.n; i++) {
    const tag = m.slots[m.w[i * W_STRIDE + 6]!]!.tag;
    out.push([
      m.tsAt(i) - T,
      tag,
      m.f[i * F_STRIDE + F_AMT]!,
      m.f[i * F_STRIDE + F_INC]!,
      m.w[i * W_STRIDE + W_INFO]! & KIND_MASK,
    ]);
  }
  return out;
}

describe('MachineHistory rows', () => {
  it('orders equal timestamps by tag string, then by value key as a string, whatever the arrival order', () => {
    const a = new MachineHistory('M1a', 'WC1', new HistoryDict());
    const b = new MachineHistory('M1a', 'WC1', new HistoryDict());
    const events = [hb(0, 10), state('M1a.STATE', 0, 2), state('M1a.STATE', 0, 10), total(0, 5), hb(0, 9)];
    for (const e of events) insert(a, e);
    for (const e of [...events].reverse()) insert(b, e);
    // '10' < '2' and '10' < '9' as strings: value keys compare as strings, not as numbers.
    const want = [
      [0, 'M1a.GOOD', 5, 0, 2],
      [0, 'M1a.HB', 10, 0, 3],
      [0, 'M1a.HB', 9, 0, 3],
      [0, 'M1a.STATE', 10, 0, 0],
      [0, 'M1a.STATE', 2, 0, 0],
    ];
    expect(rows(a)).toEqual(want);
    expect(rows(b)).toEqual(want);
  });

  it('refuses exact duplicates, including a numeric value and the same value as a string', () => {
    const m = new MachineHistory('M1a', 'WC1', new HistoryDict());
    expect(insert(m, state('M1a.STATE', 0, 1))).toBe(0);
    expect(insert(m, state('M1a.STATE', 0, 1))).toBe(-1);
    expect(insert(m, state('M1a.STATE', 0, '1'))).toBe(-1); // value key '1' either way
    expect(insert(m, state('M1a.STATE', 0, '1.0'))).toBe(1); // a different key
    expect(insert(m, total(5, 7))).toBe(2);
    expect(insert(m, total(5, 7, '7'))).toBe(-1);
    expect(m.n).toBe(3);
  });

  it('keeps total-counter increases right for in-order appends and out-of-order inserts, with rollover', () => {
    const m = new MachineHistory('M1a', 'WC1', new HistoryDict());
    insert(m, total(0, 65530));
    insert(m, hb(1000, 1));
    insert(m, total(3000, 4)); // rollover: 65536 - 65530 + 4
    expect(rows(m).map((r) => r[3])).toEqual([0, 0, 10]);
    insert(m, total(2000, 65535)); // between them: 5 after 65530, then 4 after 65535 rolls over by 5
    expect(
      rows(m)
        .filter((r) => r[4] === 2)
        .map((r) => [r[0], r[3]]),
    ).toEqual([
      [0, 0],
      [2000, 5],
      [3000, 5],
    ]);
    insert(m, total(4000, 1)); // appended after an out-of-order insert: the tag's last index moved
    expect(rows(m).at(-1)).toEqual([4000, 'M1a.GOOD', 1, 65536 - 4 + 1, 2]);
  });

  it('grows past its initial capacity and prunes to one anchor per tag before the cut', () => {
    const m = new MachineHistory('M1a', 'WC1', new HistoryDict());
    for (let i = 0; i < 500; i++) {
      insert(m, hb(i * 1000, i));
      if (i % 10 === 0)
        insert(m, state('M1a.STATE', i * 1000, i % 20 === 0 ? 1 : 5, i % 20 === 0 ? 'running' : 'down'));
    }
    expect(m.n).toBe(550);
    m.prune(T + 300_500);
    const r = rows(m);
    // Anchors: the last state before the cut (at 300 s) and the last heartbeat (at 300 s), then the rest.
    expect(r.slice(0, 2).map((x) => [x[0], x[1]])).toEqual([
      [300_000, 'M1a.HB'],
      [300_000, 'M1a.STATE'],
    ]);
    expect(r[2]![0]).toBe(301_000);
    expect(m.n).toBe(2 + 199 + 19);
    expect(m.lastStateBefore(T + 305_000)).toBe(1);
    expect(m.lastStateBefore(T + 300_000)).toBe(-1);
  });

  it('round-trips through the snapshot encoding', () => {
    const dict = new HistoryDict();
    const m = new MachineHistory('M1a', 'WC1', dict);
    for (const e of [
      state('M1a.STATE', 0, 'RUN'),
      total(10, 3),
      hb(20, true),
      state('M1a.STATE', 30, 6, 'down'),
      total(40, 9),
    ])
      insert(m, e, false);
    insert(m, hb(5, false), true);
    const tables = new SnapshotTables(dict);
    const enc = JSON.parse(JSON.stringify(encodeHistory(m, tables)));
    const copy = new MachineHistory('M1a', 'WC1', new HistoryDict());
    decodeHistory(copy, enc, tables.strings, tables.counters);
    expect(rows(copy)).toEqual(rows(m));
    expect(Array.from(copy.w.subarray(0, copy.n * W_STRIDE)).filter((_, k) => k % W_STRIDE === W_INFO)).toEqual(
      Array.from(m.w.subarray(0, m.n * W_STRIDE)).filter((_, k) => k % W_STRIDE === W_INFO),
    );
  });
});

describe('processor snapshots', () => {
  const plan = testPlan({ windows: [{ kind: 'tumbling', name: '1m', sizeMs: MIN }], silenceTimeoutMs: 2 * MIN });
  const ev = (
    tag: string,
    dt: number,
    value: number,
    extra: Partial<MachineEvent>,
    kind: MachineEvent['kind'],
  ): MachineEvent => machineEvent({ ...base, tag, tsMs: T + dt, kind, value }, extra);
  const first = [
    ev('M1a.STATE', 0, 1, { category: 'running' }, 'state'),
    ev('M1a.GOOD', 10_000, 100, { counter: 'good', mode: 'total', amount: 100 }, 'counter'),
    ev('M1a.GOOD', 70_000, 130, { counter: 'good', mode: 'total', amount: 130 }, 'counter'),
  ];
  const rest = [
    ev('M1a.GOOD', 130_000, 150, { counter: 'good', mode: 'total', amount: 150 }, 'counter'),
    ev('M1a.HB', 200_000, 1, {}, 'heartbeat'),
  ];

  it('restores a version-1 snapshot (one array per event) to the same output as an uninterrupted run', () => {
    const whole = new WindowedProcessor(plan);
    const all = [...whole.ingest(first).summaries, ...whole.ingest(rest).summaries];
    const p = new WindowedProcessor(plan);
    const a = p.ingest(first).summaries;
    const v2 = p.snapshot();
    const v1: ProcessorSnapshotV1 = {
      ...v2,
      v: 1,
      machines: [
        [
          'M1a',
          'WC1',
          [
            [T, 0, 'M1a.STATE', '1', 'running', null, null, 0, 0, 0, 0, 0],
            [T + 10_000, 2, 'M1a.GOOD', '100', null, null, 'good', 1, 100, 0, 0, 0],
            [T + 70_000, 2, 'M1a.GOOD', '130', null, null, 'good', 1, 130, 0, 30, 0],
          ],
        ],
      ],
    };
    const b = WindowedProcessor.restore(plan, v1).ingest(rest).summaries;
    expect(JSON.stringify([...a, ...b])).toBe(JSON.stringify(all));
  });

  it('names the version it expected and found', () => {
    const snap = { ...new WindowedProcessor(plan).snapshot(), v: 7 } as unknown as ProcessorSnapshotV1;
    expect(() => WindowedProcessor.restore(plan, snap)).toThrow('snapshot: expected version 3, 2 or 1, found 7');
  });
});
