// Stock master data for the stand-in tests, looked up and put in place over RPC like a client does.
import type { SeedProduct } from '../../../../src/testkit/odoo-standin/index.js';
import type { Rpc } from './rpc.js';
import { idOf, productId, ref } from './rpc.js';

export const PRODUCTS: readonly SeedProduct[] = [
  { default_code: 'BOLT', name: 'Bolt' },
  { default_code: 'COIL', name: 'Coil', tracking: 'lot' },
  { default_code: 'PANEL', name: 'Panel', tracking: 'serial' },
  { default_code: 'GREASE', name: 'Grease', storable: false },
];

export interface StockIds {
  readonly stock: number;
  readonly shelf: number;
  readonly internal: number;
  readonly bolt: number;
  readonly coil: number;
  readonly panel: number;
  readonly grease: number;
}

export async function stockIds(rpc: Rpc): Promise<StockIds> {
  const stock = await ref(rpc, 'stock.stock_location_stock');
  const shelf = idOf(
    await rpc.ok('stock.location', 'create', null, { vals_list: [{ name: 'Shelf 1', location_id: stock }] }),
  );
  return {
    stock,
    shelf,
    internal: await ref(rpc, 'stock.picking_type_internal'),
    bolt: await productId(rpc, 'BOLT'),
    coil: await productId(rpc, 'COIL'),
    panel: await productId(rpc, 'PANEL'),
    grease: await productId(rpc, 'GREASE'),
  };
}

/** Puts `qty` on hand through the inventory-mode recipe (create with inventory_quantity, apply). */
export async function putOnHand(
  rpc: Rpc,
  product: number,
  location: number,
  qty: number,
  lot?: number,
): Promise<number> {
  const quant = idOf(
    await rpc.ok('stock.quant', 'create', null, {
      vals_list: [
        {
          product_id: product,
          location_id: location,
          inventory_quantity: qty,
          ...(lot === undefined ? {} : { lot_id: lot }),
        },
      ],
      context: { inventory_mode: true },
    }),
  );
  await rpc.ok('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } });
  return quant;
}

export async function onHand(
  rpc: Rpc,
  product: number,
  location: number,
  lot?: number,
): Promise<{ quantity: number; reserved: number }> {
  const rows = (await rpc.ok('stock.quant', 'search_read', null, {
    domain: [
      ['product_id', '=', product],
      ['location_id', '=', location],
      ...(lot === undefined ? [] : [['lot_id', '=', lot]]),
    ],
    fields: ['quantity', 'reserved_quantity'],
  })) as { quantity: number; reserved_quantity: number }[];
  return {
    quantity: rows.reduce((s, r) => s + r.quantity, 0),
    reserved: rows.reduce((s, r) => s + r.reserved_quantity, 0),
  };
}

/** Move values for this version: 17/18 need `name`; 19 refuses it. */
export function moveVals(rpc: Rpc, vals: Record<string, unknown>): Record<string, unknown> {
  return rpc.standin.version <= 18 ? { name: 'stand-in test move', ...vals } : vals;
}

/** An internal transfer of one product from Stock to Shelf 1, confirmed. */
export async function transfer(
  rpc: Rpc,
  ids: StockIds,
  product: number,
  demand: number,
  extra: Record<string, unknown> = {},
): Promise<{ picking: number; move: number }> {
  const picking = idOf(
    await rpc.ok('stock.picking', 'create', null, {
      vals_list: [
        {
          picking_type_id: ids.internal,
          location_id: ids.stock,
          location_dest_id: ids.shelf,
          origin: 'test',
          move_ids: [
            [
              0,
              0,
              moveVals(rpc, {
                product_id: product,
                product_uom_qty: demand,
                location_id: ids.stock,
                location_dest_id: ids.shelf,
                ...extra,
              }),
            ],
          ],
        },
      ],
    }),
  );
  await rpc.ok('stock.picking', 'action_confirm', [picking]);
  const [move] = (await rpc.ok('stock.move', 'search', null, { domain: [['picking_id', '=', picking]] })) as number[];
  return { picking, move: move as number };
}

export async function readOne<T = Record<string, unknown>>(
  rpc: Rpc,
  model: string,
  id: number,
  fields: readonly string[],
): Promise<T> {
  const rows = (await rpc.ok(model, 'read', [id], { fields })) as T[];
  if (rows[0] === undefined) throw new Error(`${model} ${id} not found`);
  return rows[0];
}
