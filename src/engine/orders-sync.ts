// Order release, ERP -> plant: polls the work orders (ports/work-orders.ts; mrp.workorder in Odoo)
// with a cursor on (write date, id), and for every work center whose work orders changed publishes
// the full list of its released work orders (production confirmed / in progress / to close, work
// order not done or cancelled; with `finishedHorizonMs` also those finished within it, for order
// attribution) to a compacted topic keyed by the topology's workCenterId. The
// latest value per key is therefore the work center's current queue; an empty list means nothing
// is released there. The cursor (Redis) moves
// only after the snapshots were acknowledged, so a crash republishes (harmless: same snapshot).
import type { OrderLine, OrdersSnapshot } from '../core/orders.js';
import type { PlannedStop } from '../core/planned-maintenance.js';
import type { EventSink } from '../ports/event-sink.js';
import type { KeyValueStore } from '../ports/key-value.js';
import type { Log } from '../ports/log.js';
import type { PlannedMaintenanceReader } from '../ports/planned-maintenance.js';
import type { OrdersCursor, WorkOrderReader } from '../ports/work-orders.js';

// The orders topic's value (version 1) is defined once, in the core that reads it for tagging.
export type { OrderLine, OrdersSnapshot } from '../core/orders.js';
export type { OrdersCursor } from '../ports/work-orders.js';

export interface OrdersSyncOptions {
  readonly reader: WorkOrderReader;
  readonly kv: KeyValueStore;
  readonly sink: EventSink;
  readonly topic: string;
  readonly plantId: string;
  /** ERP work-center id (mrp.workcenter) -> topology workCenterId (work centers outside the topology are ignored). */
  readonly workCenters: () => Promise<ReadonlyMap<number, string>>;
  readonly nowMs: () => number;
  readonly log: Log;
  /** Work orders read per page (default 500). */
  readonly pageSize?: number;
  /**
   * write_date has second precision and transactions commit late, so a row may appear with a
   * write_date the cursor already passed. The cursor never moves into the last `settleMs` (default
   * 10 s): rows that recent are published now and read again next poll (same snapshot, harmless).
   */
  readonly settleMs?: number;
  /**
   * Planned maintenance (docs/semantics.md section 12): read every poll; a work center whose list
   * changed since it was last published is published again, and every snapshot carries its list.
   * `horizonMs`: requests that ended longer ago than this are left out (what can still be amended).
   */
  readonly planned?: { readonly reader: PlannedMaintenanceReader; readonly horizonMs: number };
  /**
   * Order attribution (docs/semantics.md section 11): also publish the work orders finished within
   * this long before now, with their finish time, for as long as the time they cover can still be
   * amended (the topology's amendment horizon plus its longest shift). Absent: open ones only.
   */
  readonly finishedHorizonMs?: number;
}

export interface PollResult {
  readonly changed: number;
  readonly published: readonly string[];
  readonly cursor: OrdersCursor | null;
}

const CURSOR_KEY = 'orders-cursor';
/** Per work center: the planned maintenance list last published (JSON). */
const PLANNED_KEY = 'orders-planned:';

export function createOrdersSync(options: OrdersSyncOptions): { pollOnce(): Promise<PollResult> } {
  const { reader, kv } = options;
  const pageSize = options.pageSize ?? 500;

  async function loadCursor(): Promise<OrdersCursor | null> {
    const text = await kv.get(CURSOR_KEY);
    return text === null ? null : (JSON.parse(text) as OrdersCursor);
  }

  async function pollOnce(): Promise<PollResult> {
    const start = await loadCursor();
    const settledBeforeMs = options.nowMs() - (options.settleMs ?? 10_000);
    let page = start;
    let cursor = start;
    const touched = new Set<number>();
    let changed = 0;
    for (;;) {
      const rows = await reader.changedAfter(page, pageSize, settledBeforeMs);
      for (const row of rows) {
        if (row.erpWorkCenterId !== null) touched.add(row.erpWorkCenterId);
        if (row.writeDate === null) continue;
        page = { writeDate: row.writeDate, id: row.id };
        if (row.settled) cursor = page;
      }
      changed += rows.length;
      if (rows.length < pageSize) break;
    }
    const published: string[] = [];
    // Planned maintenance: the work centers whose list changed since last published count as touched.
    let planned: ReadonlyMap<string, readonly PlannedStop[]> | undefined;
    const plannedText = new Map<string, string>();
    if (options.planned !== undefined) {
      planned = await options.planned.reader.scheduled(options.nowMs() - options.planned.horizonMs);
      const known = await options.workCenters();
      for (const [odooId, wcId] of known) {
        const text = JSON.stringify(planned.get(wcId) ?? []);
        plannedText.set(wcId, text);
        if ((await kv.get(`${PLANNED_KEY}${wcId}`)) !== text) touched.add(odooId);
      }
    }
    if (touched.size > 0) {
      const known = await options.workCenters();
      const ids = [...touched].filter((id) => known.has(id));
      const finishedSince =
        options.finishedHorizonMs === undefined ? undefined : options.nowMs() - options.finishedHorizonMs;
      const rows = ids.length === 0 ? [] : await reader.released(ids, finishedSince);
      const byWc = new Map<number, OrderLine[]>(ids.map((id) => [id, []]));
      for (const row of rows) byWc.get(row.erpWorkCenterId ?? -1)?.push(row.line);
      const atMs = options.nowMs();
      const records = [...byWc].map(([odooId, workOrders]) => {
        const workCenterId = known.get(odooId) as string;
        published.push(workCenterId);
        const value: OrdersSnapshot = {
          version: 1,
          plantId: options.plantId,
          workCenterId,
          odooWorkcenterId: odooId,
          atMs,
          workOrders,
          ...(planned === undefined ? {} : { plannedMaintenance: planned.get(workCenterId) ?? [] }),
        };
        return {
          topic: options.topic,
          key: workCenterId,
          value: Buffer.from(JSON.stringify(value)),
          headers: { 'content-type': 'application/json' },
        };
      });
      if (records.length > 0) await options.sink.send(records);
      // Only once the snapshots are acknowledged: a crash before re-publishes them.
      for (const wcId of published) {
        const text = plannedText.get(wcId);
        if (text !== undefined) await kv.set(`${PLANNED_KEY}${wcId}`, text);
      }
      const ignored = touched.size - ids.length;
      if (ignored > 0) options.log.debug({ ignored }, 'work orders changed on work centers outside the topology');
    }
    if (cursor !== null && (start === null || cursor.writeDate !== start.writeDate || cursor.id !== start.id))
      await kv.set(CURSOR_KEY, JSON.stringify(cursor));
    if (changed > 0) options.log.info({ changed, published: published.length, cursor }, 'orders synced');
    return { changed, published, cursor };
  }

  return { pollOnce };
}
