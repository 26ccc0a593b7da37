// Order release, Odoo -> plant: polls mrp.workorder with a cursor on (write_date, id), and for every
// work center whose work orders changed publishes the full list of its released work orders
// (production confirmed / in progress / to close, work order not done or cancelled) to a compacted
// topic keyed by the topology's workCenterId. The latest value per key is therefore the work
// center's current queue; an empty list means nothing is released there. The cursor (Redis) moves
// only after the snapshots were acknowledged, so a crash republishes (harmless: same snapshot).
import type { OrderLine, OrdersSnapshot } from '../core/orders.js';
import type { OdooClient } from '../io/odoo/client.js';
import { odooDatetime, parseOdooDatetime } from '../io/odoo/productivity-records.js';
import type { EventSink } from '../ports/event-sink.js';
import type { Log } from '../ports/log.js';
import type { KeyValueStore } from '../io/redis/redis-key-value.js';

export const RELEASED_PRODUCTION_STATES = ['confirmed', 'progress', 'to_close'] as const;
export const CLOSED_WORKORDER_STATES = ['done', 'cancel'] as const;
const WO_FIELDS = [
  'id',
  'name',
  'state',
  'workcenter_id',
  'production_id',
  'product_id',
  'qty_production',
  'qty_produced',
  'date_start',
  'date_finished',
  'write_date',
];

// The orders topic's value (version 1) is defined once, in the core that reads it for tagging.
export type { OrderLine, OrdersSnapshot } from '../core/orders.js';

export interface OrdersCursor {
  readonly writeDate: string;
  readonly id: number;
}

export interface OrdersSyncOptions {
  readonly client: OdooClient;
  readonly kv: KeyValueStore;
  readonly sink: EventSink;
  readonly topic: string;
  readonly plantId: string;
  /** mrp.workcenter id -> topology workCenterId (work centers outside the topology are ignored). */
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
}

export interface PollResult {
  readonly changed: number;
  readonly published: readonly string[];
  readonly cursor: OrdersCursor | null;
}

const CURSOR_KEY = 'orders-cursor';

function m2o(v: unknown): { id: number | null; name: string | null } {
  return Array.isArray(v) && typeof v[0] === 'number'
    ? { id: v[0], name: typeof v[1] === 'string' ? v[1] : null }
    : { id: typeof v === 'number' ? v : null, name: null };
}

type Row = Record<string, unknown> & { id: number };

export function orderLine(row: Row): OrderLine {
  const production = m2o(row['production_id']);
  const product = m2o(row['product_id']);
  return {
    workOrderId: row.id,
    name: typeof row['name'] === 'string' ? row['name'] : '',
    state: typeof row['state'] === 'string' ? row['state'] : '',
    productionId: production.id,
    productionName: production.name,
    productId: product.id,
    productName: product.name,
    qtyProduction: Number(row['qty_production'] ?? 0),
    qtyProduced: Number(row['qty_produced'] ?? 0),
    dateStartMs: typeof row['date_start'] === 'string' ? parseOdooDatetime(row['date_start']) : null,
  };
}

export function createOrdersSync(options: OrdersSyncOptions): { pollOnce(): Promise<PollResult> } {
  const { client, kv } = options;
  const pageSize = options.pageSize ?? 500;

  async function loadCursor(): Promise<OrdersCursor | null> {
    const text = await kv.get(CURSOR_KEY);
    return text === null ? null : (JSON.parse(text) as OrdersCursor);
  }

  async function pollOnce(): Promise<PollResult> {
    const start = await loadCursor();
    const settled = odooDatetime(options.nowMs() - (options.settleMs ?? 10_000));
    let page = start;
    let cursor = start;
    const touched = new Set<number>();
    let changed = 0;
    for (;;) {
      const domain =
        page === null
          ? []
          : ['|', ['write_date', '>', page.writeDate], '&', ['write_date', '=', page.writeDate], ['id', '>', page.id]];
      const rows = await client.searchRead<Row>('mrp.workorder', domain, ['id', 'workcenter_id', 'write_date'], {
        order: 'write_date asc, id asc',
        limit: pageSize,
      });
      for (const row of rows) {
        const wc = m2o(row['workcenter_id']).id;
        if (wc !== null) touched.add(wc);
        if (typeof row['write_date'] !== 'string') continue;
        page = { writeDate: row['write_date'], id: row.id };
        if (row['write_date'] < settled) cursor = page;
      }
      changed += rows.length;
      if (rows.length < pageSize) break;
    }
    const published: string[] = [];
    if (touched.size > 0) {
      const known = await options.workCenters();
      const ids = [...touched].filter((id) => known.has(id));
      const rows =
        ids.length === 0
          ? []
          : await client.searchRead<Row>(
              'mrp.workorder',
              [
                ['workcenter_id', 'in', ids],
                ['state', 'not in', [...CLOSED_WORKORDER_STATES]],
                ['production_id.state', 'in', [...RELEASED_PRODUCTION_STATES]],
              ],
              WO_FIELDS,
              { order: 'id asc' },
            );
      const byWc = new Map<number, OrderLine[]>(ids.map((id) => [id, []]));
      for (const row of rows) byWc.get(m2o(row['workcenter_id']).id ?? -1)?.push(orderLine(row));
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
        };
        return {
          topic: options.topic,
          key: workCenterId,
          value: Buffer.from(JSON.stringify(value)),
          headers: { 'content-type': 'application/json' },
        };
      });
      if (records.length > 0) await options.sink.send(records);
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
