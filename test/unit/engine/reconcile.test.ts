import { describe, expect, it } from 'vitest';
import { formatDifferences, latestShiftSummaries, reconcile } from '../../../src/engine/reconcile.js';
import {
  expectedProductivityOn,
  postedProductivityOf,
  type OdooProductivityRow,
} from '../../../src/io/odoo/productivity-reader.js';
import { summaryToRecords, type ResolvedTargets } from '../../../src/io/odoo/productivity-records.js';
import { MAPPING, randomShift } from '../io/odoo/summary-fixtures.js';

const targets: ResolvedTargets = {
  workCenters: new Map([
    ['wc-1', { odooId: 11, companyId: 1 }],
    ['wc-2', { odooId: 12, companyId: 1 }],
  ]),
  losses: new Map([
    ['mrp.block_reason7', 7],
    ['Reduced Speed', 4],
    ['mrp.block_reason2', 2],
    ['mrp.block_reason0', 0 + 100],
    ['mrp.block_reason1', 1],
  ]),
};

// The writer's mapping with these ids, as the reconcile command gets it from the Odoo reader.
const expected = expectedProductivityOn(MAPPING, targets);

function rowsOf(summaries: ReturnType<typeof randomShift>[]): OdooProductivityRow[] {
  let id = 1;
  return summaries.flatMap((s) =>
    summaryToRecords(s, MAPPING, targets).records.map((r) => ({
      id: id++,
      workcenter_id: [r.vals.workcenter_id, 'WC'],
      loss_id: [r.vals.loss_id, 'loss'],
      date_start: r.vals.date_start,
      date_end: r.vals.date_end,
      duration:
        Math.round(
          ((Date.parse(`${r.vals.date_end.replace(' ', 'T')}Z`) -
            Date.parse(`${r.vals.date_start.replace(' ', 'T')}Z`)) /
            60_000) *
            100,
        ) / 100,
      description: r.vals.description,
    })),
  );
}

describe('reconcile', () => {
  const s1 = randomShift('wc-1', 0, 1, 11);
  const s2 = randomShift('wc-2', 0, 1, 12);

  it('finds nothing when Odoo holds exactly the posted records (foreign rows are ignored)', () => {
    const rows = [
      ...rowsOf([s1, s2]),
      {
        id: 999,
        workcenter_id: [11, 'x'],
        loss_id: [7, 'x'],
        date_start: '2026-03-02 06:00:00',
        date_end: false,
        duration: 0,
        description: 'entered by hand',
      },
    ];
    const r = reconcile([s1, s2], postedProductivityOf(rows), expected, { checkDuration: true });
    expect(r.differences).toEqual([]);
    expect(r.odooRecords).toBe(r.expectedRecords);
  });

  it('reports a deleted record, altered dates, an altered duration, a duplicate and an old revision left over', () => {
    const rows = rowsOf([s1, s2]);
    const deleted = rows.splice(2, 1)[0]!;
    rows[0] = { ...rows[0]!, date_end: '2030-01-01 00:00:00' };
    rows[1] = { ...rows[1]!, duration: (rows[1]!.duration as number) + 5 };
    rows.push({ ...rows[3]!, id: 500 });
    const old = rowsOf([{ ...s2, revision: 1 }]).map((r) => ({ ...r, id: r.id + 1000 }));
    const s2r2 = { ...s2, revision: 2 };
    const current = rowsOf([s1, s2r2])
      .filter((r) => r.workcenter_id instanceof Array && (r.workcenter_id[0] as number) === 12)
      .map((r) => ({ ...r, id: r.id + 2000 }));
    const all = [...rows.filter((r) => (r.workcenter_id as number[])[0] === 11), ...current, old[0]!];
    const r = reconcile(latestShiftSummaries([s1, s2, s2r2]), postedProductivityOf(all), expected, {
      checkDuration: true,
    });
    const kinds = r.differences.map((d) => `${d.workCenterId} ${d.kind}`).sort();
    expect(kinds).toEqual([
      'wc-1 altered-dates',
      'wc-1 altered-duration',
      'wc-1 duplicate',
      'wc-1 missing',
      'wc-2 extra',
    ]);
    expect(r.differences.find((d) => d.kind === 'missing')?.expected).toContain(String(deleted.date_start));
    expect(formatDifferences(r.differences).split('\n')).toHaveLength(2 + 5);
    // Without --check-duration the altered duration is not reported.
    expect(
      reconcile(latestShiftSummaries([s1, s2, s2r2]), postedProductivityOf(all), expected).differences.map(
        (d) => d.kind,
      ),
    ).not.toContain('altered-duration');
  });

  it('keeps the last revision of final shift summaries only', () => {
    const partial = { ...randomShift('wc-1', 0, 2, 5), final: false };
    const r3 = { ...s1, revision: 3 };
    expect(latestShiftSummaries([r3, s1, partial]).map((s) => s.revision)).toEqual([3]);
  });
});
