// ProductivityReader (ports/productivity-records.ts) on Odoo: the records the shift writer posts
// for a summary (summaryToRecords, the writer's own mapping) and the ones Odoo holds, recognised by
// the markers in their description (search_read on mrp.workcenter.productivity, paged).
import type { WindowSummary } from '../../core/types.js';
import type { ExpectedProductivity, PostedProductivity, ProductivityReader } from '../../ports/productivity-records.js';
import type { OdooMappingPlan } from '../../topology/types.js';
import type { OdooClient } from './client.js';
import type { ResolvedTargets } from './productivity-records.js';
import {
  PRODUCTIVITY_MODEL,
  SHIFT_MARKER_PREFIX,
  odooDatetime,
  parseMarkers,
  parseOdooDatetime,
  summaryToRecords,
} from './productivity-records.js';
import { m2oId } from './values.js';

/** An mrp.workcenter.productivity row as search_read returns RECONCILE_FIELDS. */
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

const PAGE = 2_000;

/** `<plantId>/<workCenterId> <windowId>` from our description (after the two markers). */
function labelOf(description: unknown): { workCenterId: string; shift: string } {
  if (typeof description !== 'string') return { workCenterId: '?', shift: '?' };
  const parts = description.split(' ');
  const wc = parts[2] ?? '';
  return { workCenterId: wc.slice(wc.indexOf('/') + 1) || '?', shift: parts[3] ?? '?' };
}

/** What the writer posts for summaries, mapped with the resolved master data. */
export function expectedProductivityOn(
  mapping: OdooMappingPlan,
  targets: ResolvedTargets,
): Pick<ProductivityReader, 'expected'> {
  return {
    expected(summary: WindowSummary) {
      const mapped = summaryToRecords(summary, mapping, targets);
      const records = mapped.records.map((r): ExpectedProductivity => ({
        key: r.key,
        revision: r.revision,
        lossKey: r.lossKey,
        lossId: r.vals.loss_id,
        erpWorkCenterId: r.vals.workcenter_id,
        dateStart: r.vals.date_start,
        dateEnd: r.vals.date_end,
        minutes:
          Math.round(((parseOdooDatetime(r.vals.date_end) - parseOdooDatetime(r.vals.date_start)) / 60_000) * 100) /
          100,
      }));
      return { records, problems: mapped.problems };
    },
  };
}

/** Our rows among search_read rows (the markers decide), as the reconcile compares them. */
export function postedProductivityOf(rows: readonly OdooProductivityRow[]): PostedProductivity[] {
  return rows.flatMap((row) => {
    const m = parseMarkers(row.description);
    if (m === null) return [];
    return [
      {
        erpId: row.id,
        key: m.key,
        revision: m.revision,
        ...labelOf(row.description),
        dateStart: String(row.date_start),
        dateEnd: String(row.date_end),
        durationMinutes: typeof row.duration === 'number' ? row.duration : null,
        lossId: m2oId(row.loss_id),
        lossText: JSON.stringify(row.loss_id) ?? 'undefined',
        erpWorkCenterId: m2oId(row.workcenter_id),
        workCenterText: JSON.stringify(row.workcenter_id) ?? 'undefined',
      },
    ];
  });
}

export interface OdooProductivityReaderOptions {
  readonly client: OdooClient;
  readonly mapping: OdooMappingPlan;
  /** Resolved master data: the plant's work centers are the ones searched. */
  readonly targets: ResolvedTargets;
}

export function createOdooProductivityReader(options: OdooProductivityReaderOptions): ProductivityReader {
  const { client, targets } = options;
  const wcIds = [...targets.workCenters.values()].map((w) => w.odooId);
  return {
    ...expectedProductivityOn(options.mapping, targets),
    async posted(fromMs, toMs) {
      const domain = [
        ['description', 'ilike', SHIFT_MARKER_PREFIX],
        ['workcenter_id', 'in', wcIds],
        ['date_start', '>=', odooDatetime(fromMs)],
        ['date_start', '<', odooDatetime(toMs)],
      ];
      const rows: OdooProductivityRow[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const got = await client.searchRead<OdooProductivityRow>(PRODUCTIVITY_MODEL, domain, RECONCILE_FIELDS, {
          offset,
          limit: PAGE,
          order: 'id asc',
        });
        rows.push(...got);
        if (got.length < PAGE) break;
      }
      return postedProductivityOf(rows);
    },
  };
}
