// Reconciliation: what Odoo holds (productivity records carrying our markers) against what the
// shift summaries in Kafka say it should hold (the last revision of each shift, mapped with the
// same pure function the writer uses). Both sides come through ports/productivity-records.ts; this
// module only compares.
//
// Dates are compared exactly (second precision, as posted). `duration` is compared against the
// dates (minutes, 0.01) only when asked: on a real Odoo, availability and quality losses on a work
// center with a working calendar count working hours only, so their duration may legitimately differ.
import type { WindowSummary } from '../core/types.js';
import type { ExpectedProductivity, PostedProductivity, ProductivityReader } from '../ports/productivity-records.js';

export type DifferenceKind =
  | 'missing'
  | 'extra'
  | 'duplicate'
  | 'altered-dates'
  | 'altered-duration'
  | 'altered-loss'
  | 'altered-work-center'
  | 'unreadable';

/** One difference as `reconcile` prints it, whatever the posting kind (formatDifferences). */
export interface ReconcileRow {
  readonly kind: string;
  readonly workCenterId: string;
  /** The shift instance (`2026-03-02/s1`), or whatever window the kind posts per. */
  readonly shift: string;
  readonly odooId: number | null;
  readonly expected: string;
  readonly found: string;
}

export interface Difference extends ReconcileRow {
  readonly kind: DifferenceKind;
  readonly key: string;
}

export interface ReconcileResult {
  readonly shifts: number;
  readonly expectedRecords: number;
  readonly odooRecords: number;
  readonly differences: readonly Difference[];
}

export interface ReconcileOptions {
  /** Compare `duration` with the dates (default false; see the header). */
  readonly checkDuration?: boolean;
}

/** Keeps the last revision of each (plant, work center, shift instance) among final shift summaries. */
export function latestShiftSummaries(summaries: Iterable<WindowSummary>): WindowSummary[] {
  const best = new Map<string, WindowSummary>();
  for (const s of summaries) {
    if (s.windowKind !== 'shift' || !s.final) continue;
    const k = JSON.stringify([s.plantId, s.workCenterId, s.windowId]);
    const cur = best.get(k);
    if (cur === undefined || s.revision >= cur.revision) best.set(k, s);
  }
  return [...best.values()];
}

export function reconcile(
  summaries: readonly WindowSummary[],
  posted: readonly PostedProductivity[],
  reader: Pick<ProductivityReader, 'expected'>,
  options: ReconcileOptions = {},
): ReconcileResult {
  const differences: Difference[] = [];
  const expected = new Map<string, { record: ExpectedProductivity; summary: WindowSummary }>();
  for (const s of summaries) {
    const mapped = reader.expected(s);
    for (const p of mapped.problems)
      differences.push({
        kind: 'unreadable',
        workCenterId: s.workCenterId,
        shift: s.windowId,
        key: '',
        odooId: null,
        expected: 'a mappable summary',
        found: p,
      });
    for (const r of mapped.records) expected.set(r.key, { record: r, summary: s });
  }
  const seen = new Map<string, number>();
  for (const row of posted) {
    const e = expected.get(row.key);
    if (e === undefined) {
      differences.push({
        kind: 'extra',
        workCenterId: row.workCenterId,
        shift: row.shift,
        key: row.key,
        odooId: row.erpId,
        expected: 'no record (not in the last revision in Kafka)',
        found: `${row.dateStart} .. ${row.dateEnd} r${row.revision}`,
      });
      continue;
    }
    const { record: r, summary: s } = e;
    const at = { workCenterId: s.workCenterId, shift: s.windowId, key: row.key, odooId: row.erpId };
    if (seen.has(row.key)) {
      differences.push({
        kind: 'duplicate',
        ...at,
        expected: `one record (id ${seen.get(row.key) ?? '?'})`,
        found: `another one, id ${row.erpId}`,
      });
      continue;
    }
    seen.set(row.key, row.erpId);
    if (row.dateStart !== r.dateStart || row.dateEnd !== r.dateEnd) {
      differences.push({
        kind: 'altered-dates',
        ...at,
        expected: `${r.dateStart} .. ${r.dateEnd}`,
        found: `${row.dateStart} .. ${row.dateEnd}`,
      });
    } else if (
      options.checkDuration === true &&
      row.durationMinutes !== null &&
      Math.abs(row.durationMinutes - r.minutes) > 0.011
    ) {
      differences.push({
        kind: 'altered-duration',
        ...at,
        expected: `${r.minutes} min`,
        found: `${row.durationMinutes} min`,
      });
    }
    if (row.lossId !== r.lossId)
      differences.push({
        kind: 'altered-loss',
        ...at,
        expected: `loss ${r.lossId} (${r.lossKey})`,
        found: `loss ${row.lossText}`,
      });
    if (row.erpWorkCenterId !== r.erpWorkCenterId)
      differences.push({
        kind: 'altered-work-center',
        ...at,
        expected: `mrp.workcenter ${r.erpWorkCenterId}`,
        found: row.workCenterText,
      });
  }
  for (const [key, { record: r, summary: s }] of expected) {
    if (!seen.has(key))
      differences.push({
        kind: 'missing',
        workCenterId: s.workCenterId,
        shift: s.windowId,
        key,
        odooId: null,
        expected: `${r.lossKey} ${r.dateStart} .. ${r.dateEnd} r${s.revision}`,
        found: 'no record',
      });
  }
  differences.sort(
    (a, b) =>
      a.workCenterId.localeCompare(b.workCenterId) ||
      a.shift.localeCompare(b.shift) ||
      a.kind.localeCompare(b.kind) ||
      a.expected.localeCompare(b.expected),
  );
  return { shifts: summaries.length, expectedRecords: expected.size, odooRecords: posted.length, differences };
}

export interface ReconcileShiftsOptions extends ReconcileOptions {
  /** Every shift summary read from the topic (all revisions, any plant). */
  readonly summaries: Iterable<WindowSummary>;
  readonly plantId: string;
  /** Shifts that overlap [fromMs, toMs) are compared as a whole. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly reader: ProductivityReader;
}

/** The last revisions of the plant's shifts overlapping the range against what Odoo holds for them. */
export async function reconcileShifts(options: ReconcileShiftsOptions): Promise<ReconcileResult> {
  const { fromMs, toMs } = options;
  const summaries = latestShiftSummaries(options.summaries).filter(
    (s) => s.plantId === options.plantId && s.startMs < toMs && s.endMs > fromMs,
  );
  // Whole shifts: widen the Odoo query to the shifts' bounds.
  const qFrom = Math.min(fromMs, ...summaries.map((s) => s.startMs));
  const qTo = Math.max(toMs, ...summaries.map((s) => s.endMs));
  const posted = await options.reader.posted(qFrom, qTo);
  return reconcile(
    summaries,
    posted,
    options.reader,
    options.checkDuration === undefined ? {} : { checkDuration: options.checkDuration },
  );
}

/** A fixed-width table of the differences, one line each, with a header. */
export function formatDifferences(differences: readonly ReconcileRow[]): string {
  const head = ['work center', 'shift', 'difference', 'odoo id', 'expected', 'found'];
  const rows = differences.map((d) => [
    d.workCenterId,
    d.shift,
    d.kind,
    d.odooId === null ? '-' : String(d.odooId),
    d.expected,
    d.found,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
