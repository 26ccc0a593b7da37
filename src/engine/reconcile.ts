// Reconciliation: what Odoo holds (productivity records carrying our markers) against what the
// shift summaries in Kafka say it should hold (the last revision of each shift, mapped with the
// same pure function the writer uses). Pure: the command fetches, this compares.
//
// Dates are compared exactly (second precision, as posted). `duration` is compared against the
// dates (minutes, 0.01) only when asked: on a real Odoo, availability and quality losses on a work
// center with a working calendar count working hours only, so their duration may legitimately differ.
import type { WindowSummary } from '../core/types.js';
import type { ProductivityRecord, ResolvedTargets } from '../io/odoo/productivity-records.js';
import { parseMarkers, parseOdooDatetime, shiftKeyFor, summaryToRecords } from '../io/odoo/productivity-records.js';
import type { OdooMappingPlan } from '../topology/types.js';

export interface OdooProductivityRow {
  readonly id: number;
  readonly workcenter_id: unknown;
  readonly loss_id: unknown;
  readonly date_start: unknown;
  readonly date_end: unknown;
  readonly duration: unknown;
  readonly description: unknown;
}

export const RECONCILE_FIELDS = [
  'id',
  'workcenter_id',
  'loss_id',
  'date_start',
  'date_end',
  'duration',
  'description',
] as const;

export type DifferenceKind =
  | 'missing'
  | 'extra'
  | 'duplicate'
  | 'altered-dates'
  | 'altered-duration'
  | 'altered-loss'
  | 'altered-work-center'
  | 'unreadable';

export interface Difference {
  readonly kind: DifferenceKind;
  readonly workCenterId: string;
  readonly shift: string;
  readonly key: string;
  readonly odooId: number | null;
  readonly expected: string;
  readonly found: string;
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

function m2oId(v: unknown): number | null {
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return typeof v === 'number' ? v : null;
}

/** `<plantId>/<workCenterId> <windowId>` from our description (after the two markers). */
function labelOf(description: unknown): { workCenterId: string; shift: string } {
  if (typeof description !== 'string') return { workCenterId: '?', shift: '?' };
  const parts = description.split(' ');
  const wc = parts[2] ?? '';
  return { workCenterId: wc.slice(wc.indexOf('/') + 1) || '?', shift: parts[3] ?? '?' };
}

const minutes = (r: ProductivityRecord): number =>
  Math.round(((parseOdooDatetime(r.vals.date_end) - parseOdooDatetime(r.vals.date_start)) / 60_000) * 100) / 100;

/** Keeps the last revision of each (plant, work center, shift instance) among final shift summaries. */
export function latestShiftSummaries(summaries: Iterable<WindowSummary>): WindowSummary[] {
  const best = new Map<string, WindowSummary>();
  for (const s of summaries) {
    if (s.windowKind !== 'shift' || !s.final) continue;
    const k = shiftKeyFor(s.plantId, s.workCenterId, s.windowId);
    const cur = best.get(k);
    if (cur === undefined || s.revision >= cur.revision) best.set(k, s);
  }
  return [...best.values()];
}

export function reconcile(
  summaries: readonly WindowSummary[],
  rows: readonly OdooProductivityRow[],
  mapping: OdooMappingPlan,
  targets: ResolvedTargets,
  options: ReconcileOptions = {},
): ReconcileResult {
  const differences: Difference[] = [];
  const expected = new Map<string, { record: ProductivityRecord; summary: WindowSummary }>();
  for (const s of summaries) {
    const mapped = summaryToRecords(s, mapping, targets);
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
  let ours = 0;
  for (const row of rows) {
    const m = parseMarkers(row.description);
    if (m === null) continue;
    ours += 1;
    const e = expected.get(m.key);
    if (e === undefined) {
      const label = labelOf(row.description);
      differences.push({
        kind: 'extra',
        ...label,
        key: m.key,
        odooId: row.id,
        expected: 'no record (not in the last revision in Kafka)',
        found: `${String(row.date_start)} .. ${String(row.date_end)} r${m.revision}`,
      });
      continue;
    }
    const { record: r, summary: s } = e;
    const at = { workCenterId: s.workCenterId, shift: s.windowId, key: m.key, odooId: row.id };
    if (seen.has(m.key)) {
      differences.push({
        kind: 'duplicate',
        ...at,
        expected: `one record (id ${seen.get(m.key) ?? '?'})`,
        found: `another one, id ${row.id}`,
      });
      continue;
    }
    seen.set(m.key, row.id);
    if (row.date_start !== r.vals.date_start || row.date_end !== r.vals.date_end) {
      differences.push({
        kind: 'altered-dates',
        ...at,
        expected: `${r.vals.date_start} .. ${r.vals.date_end}`,
        found: `${String(row.date_start)} .. ${String(row.date_end)}`,
      });
    } else if (
      options.checkDuration === true &&
      typeof row.duration === 'number' &&
      Math.abs(row.duration - minutes(r)) > 0.011
    ) {
      differences.push({
        kind: 'altered-duration',
        ...at,
        expected: `${minutes(r)} min`,
        found: `${row.duration} min`,
      });
    }
    if (m2oId(row.loss_id) !== r.vals.loss_id)
      differences.push({
        kind: 'altered-loss',
        ...at,
        expected: `loss ${r.vals.loss_id} (${r.lossKey})`,
        found: `loss ${JSON.stringify(row.loss_id)}`,
      });
    if (m2oId(row.workcenter_id) !== r.vals.workcenter_id)
      differences.push({
        kind: 'altered-work-center',
        ...at,
        expected: `mrp.workcenter ${r.vals.workcenter_id}`,
        found: JSON.stringify(row.workcenter_id),
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
        expected: `${r.lossKey} ${r.vals.date_start} .. ${r.vals.date_end} r${s.revision}`,
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
  return { shifts: summaries.length, expectedRecords: expected.size, odooRecords: ours, differences };
}

/** A fixed-width table of the differences, one line each, with a header. */
export function formatDifferences(differences: readonly Difference[]): string {
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
