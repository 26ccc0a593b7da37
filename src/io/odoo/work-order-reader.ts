// WorkOrderReader (ports/work-orders.ts) on Odoo's mrp.workorder: the changes since a cursor on
// (write_date, id), and the released work orders of work centers (production confirmed, in progress
// or to close; work order not done or cancelled), plus, when asked, the ones finished since an
// instant (state done, date_finished at or after it) for order attribution (semantics section 11).
//
// `dateFinishedMs` is date_finished of a done work order only: before that, Odoo 17-19 keep the
// planned end there (models.json: "Planned end; set to now by button_finish"), which must not end
// a running order.
import type { OrderLine } from '../../core/orders.js';
import type { ReleasedWorkOrder, WorkOrderChange, WorkOrderReader } from '../../ports/work-orders.js';
import type { OdooClient } from './client.js';
import { odooDatetime, parseOdooDatetime } from './productivity-records.js';

export const RELEASED_PRODUCTION_STATES = ['confirmed', 'progress', 'to_close'] as const;
export const CLOSED_WORKORDER_STATES = ['done', 'cancel'] as const;
export const FINISHED_WORKORDER_STATE = 'done';
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

type Row = Record<string, unknown> & { id: number };

function m2o(v: unknown): { id: number | null; name: string | null } {
  return Array.isArray(v) && typeof v[0] === 'number'
    ? { id: v[0], name: typeof v[1] === 'string' ? v[1] : null }
    : { id: typeof v === 'number' ? v : null, name: null };
}

export function orderLine(row: Row): OrderLine {
  const production = m2o(row['production_id']);
  const product = m2o(row['product_id']);
  const finished = row['state'] === FINISHED_WORKORDER_STATE && typeof row['date_finished'] === 'string';
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
    dateFinishedMs: finished ? parseOdooDatetime(row['date_finished'] as string) : null,
  };
}

export function createOdooWorkOrderReader(client: OdooClient): WorkOrderReader {
  return {
    async changedAfter(cursor, limit, settledBeforeMs) {
      const domain =
        cursor === null
          ? []
          : [
              '|',
              ['write_date', '>', cursor.writeDate],
              '&',
              ['write_date', '=', cursor.writeDate],
              ['id', '>', cursor.id],
            ];
      const rows = await client.searchRead<Row>('mrp.workorder', domain, ['id', 'workcenter_id', 'write_date'], {
        order: 'write_date asc, id asc',
        limit,
      });
      // write_date has second precision: compared as Odoo's own text, like the domain above.
      const settled = odooDatetime(settledBeforeMs);
      return rows.map((row): WorkOrderChange => {
        const writeDate = typeof row['write_date'] === 'string' ? row['write_date'] : null;
        return {
          id: row.id,
          erpWorkCenterId: m2o(row['workcenter_id']).id,
          writeDate,
          settled: writeDate !== null && writeDate < settled,
        };
      });
    },
    async released(erpWorkCenterIds, finishedSinceMs) {
      const open: unknown[] = [
        '&',
        ['state', 'not in', [...CLOSED_WORKORDER_STATES]],
        ['production_id.state', 'in', [...RELEASED_PRODUCTION_STATES]],
      ];
      const finished: unknown[] =
        finishedSinceMs === undefined
          ? []
          : ['&', ['state', '=', FINISHED_WORKORDER_STATE], ['date_finished', '>=', odooDatetime(finishedSinceMs)]];
      const rows = await client.searchRead<Row>(
        'mrp.workorder',
        [
          ['workcenter_id', 'in', [...erpWorkCenterIds]],
          ...(finished.length === 0 ? open : ['|', ...open, ...finished]),
        ],
        WO_FIELDS,
        { order: 'id asc' },
      );
      return rows.map((row): ReleasedWorkOrder => ({
        erpWorkCenterId: m2o(row['workcenter_id']).id,
        line: orderLine(row),
      }));
    },
  };
}
