// What the stand-in refuses in stock, with Odoo's exception and each protocol's error shape
// (JSON-RPC: HTTP 200 + error envelope; JSON-2: HTTP status + body), and what it does not refuse
// (insufficient stock: 17-19 let the quant go negative).
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer, Rpc } from './rpc.js';
import { CASES, idOf, ref, start } from './rpc.js';
import { PRODUCTS, moveVals, onHand, putOnHand, readOne, stockIds, transfer } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

/** The refusal as the protocol delivers it. */
function expectRefusal(r: Rpc, a: Answer, name: string, message: string | RegExp): void {
  expect(a.result).toBeUndefined();
  expect(a.error?.name).toBe(name);
  if (typeof message === 'string') expect(a.error?.message).toBe(message);
  else expect(a.error?.message).toMatch(message);
  if (r.protocol === 'json2') {
    const status = name.startsWith('odoo.exceptions.') || name === 'builtins.ValueError' ? 422 : 404;
    expect(a.httpStatus).toBe(name === 'odoo.exceptions.MissingError' ? 404 : status);
    expect(a.body).toMatchObject({ name, arguments: [a.error?.message], context: {} });
  } else {
    expect(a.httpStatus).toBe(200);
    expect(a.body).toMatchObject({
      jsonrpc: '2.0',
      error: { code: r.standin.version >= 19 ? 0 : 200, message: 'Odoo Server Error', data: { name } },
    });
  }
}

describe.each(CASES)('stock refusals on the stand-in: $name', (c) => {
  it('a transfer with nothing to move, or no quantity at all, is refused with the version text', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const empty = idOf(
      await rpc.ok('stock.picking', 'create', null, { vals_list: [{ picking_type_id: ids.internal }] }),
    );
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'button_validate', [empty]),
      'odoo.exceptions.UserError',
      'You can’t validate an empty transfer. Please add some products to move before proceeding.',
    );
    // Confirmed, nothing on hand, nothing reserved, no quantity set.
    const { picking } = await transfer(rpc, ids, ids.bolt, 5);
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'button_validate', [picking]),
      'odoo.exceptions.UserError',
      c.version === 17
        ? 'You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities.'
        : /^Transfer trouble alert! Validating a zero quantity transfer\?/,
    );
  });

  it('more than on hand is not refused: the quant goes negative, as in 17-19', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 2);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 5);
    expect(await readOne(rpc, 'stock.move', move, ['state', 'quantity'])).toMatchObject({
      state: 'partially_available',
      quantity: 2,
    });
    await rpc.ok('stock.move', 'write', [move], { vals: { quantity: 5, picked: true } });
    expect(await rpc.ok('stock.picking', 'button_validate', [picking])).toBe(true);
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: -3, reserved: 0 });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 5, reserved: 0 });
  });

  it('lots: missing lot, unknown lot, a lot of another product, and a lot created from lot_name', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const lot = idOf(await rpc.ok('stock.lot', 'create', null, { vals_list: [{ name: 'C-1', product_id: ids.coil }] }));
    await putOnHand(rpc, ids.coil, ids.stock, 10, lot);
    // A tracked move on a type that uses lots, picked without a lot.
    const bare = await transfer(rpc, ids, ids.coil, 4);
    await rpc.ok(
      'stock.move.line',
      'unlink',
      (await rpc.ok('stock.move.line', 'search', null, { domain: [['move_id', '=', bare.move]] })) as number[],
    );
    await rpc.ok('stock.move.line', 'create', null, {
      vals_list: [{ move_id: bare.move, quantity: 4, picked: true }],
    });
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'button_validate', [bare.picking], { context: { skip_backorder: true } }),
      'odoo.exceptions.UserError',
      'You need to supply a Lot/Serial number for products [COIL] Coil.',
    );
    // An id that is no stock.lot: the database refuses the foreign key.
    expectRefusal(
      rpc,
      await rpc.call('stock.move.line', 'create', null, {
        vals_list: [{ move_id: bare.move, quantity: 1, lot_id: 9999 }],
      }),
      'odoo.exceptions.ValidationError',
      /stock\.lot 9999 does not exist/,
    );
    const boltLot = idOf(
      await rpc.ok('stock.lot', 'create', null, { vals_list: [{ name: 'B-1', product_id: ids.bolt }] }),
    );
    expectRefusal(
      rpc,
      await rpc.call('stock.move.line', 'create', null, {
        vals_list: [{ move_id: bare.move, quantity: 1, lot_id: boltLot }],
      }),
      'odoo.exceptions.ValidationError',
      'This lot B-1 is incompatible with this product [COIL] Coil',
    );
    // Internal transfers use existing lots only: a lot_name is not enough there...
    const line = (await rpc.ok('stock.move.line', 'search', null, {
      domain: [['move_id', '=', bare.move]],
    })) as number[];
    await rpc.ok('stock.move.line', 'write', line, { vals: { lot_name: 'C-NEW' } });
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'button_validate', [bare.picking], {
        context: { skip_backorder: true, skip_sanity_check: true },
      }),
      'odoo.exceptions.UserError',
      'You need to supply a Lot/Serial Number for product:\n- [COIL] Coil',
    );
    // ...while with the right lot the same transfer goes through and moves that lot.
    await rpc.ok('stock.move.line', 'write', line, { vals: { lot_id: lot } });
    expect(
      await rpc.ok('stock.picking', 'button_validate', [bare.picking], { context: { skip_backorder: true } }),
    ).toBe(true);
    expect(await onHand(rpc, ids.coil, ids.shelf, lot)).toEqual({ quantity: 4, reserved: 0 });
  });

  it('a receipt creates the lot named in lot_name (its type creates lots)', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const receipts = await ref(rpc, 'stock.picking_type_in');
    const vendors = await ref(rpc, 'stock.stock_location_suppliers');
    const picking = idOf(
      await rpc.ok('stock.picking', 'create', null, {
        vals_list: [
          {
            picking_type_id: receipts,
            // 17 has no compute for the move's locations: a client passes them.
            move_ids: [
              [
                0,
                0,
                moveVals(rpc, {
                  product_id: ids.coil,
                  product_uom_qty: 3,
                  ...(c.version === 17 ? { location_id: vendors, location_dest_id: ids.stock } : {}),
                }),
              ],
            ],
          },
        ],
      }),
    );
    await rpc.ok('stock.picking', 'action_confirm', [picking]);
    const [move] = (await rpc.ok('stock.move', 'search', null, { domain: [['picking_id', '=', picking]] })) as number[];
    const lines = (await rpc.ok('stock.move.line', 'search', null, { domain: [['move_id', '=', move]] })) as number[];
    await rpc.ok('stock.move.line', 'write', lines, { vals: { lot_name: 'RCV-7', picked: true } });
    expect(await rpc.ok('stock.picking', 'button_validate', [picking])).toBe(true);
    const lots = (await rpc.ok('stock.lot', 'search_read', null, {
      domain: [['name', '=', 'RCV-7']],
      fields: ['product_id', 'product_qty'],
    })) as {
      product_id: [number, string];
      product_qty: number;
    }[];
    expect(lots.map((l) => [l.product_id[0], l.product_qty])).toEqual([[ids.coil, 3]]);
  });

  it('unknown and view locations are refused; a serial cannot be in stock twice', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'create', null, {
        vals_list: [{ picking_type_id: ids.internal, location_dest_id: 4242 }],
      }),
      'odoo.exceptions.ValidationError',
      /stock\.location 4242 does not exist/,
    );
    await putOnHand(rpc, ids.bolt, ids.stock, 5);
    const view = (await rpc.ok('stock.location', 'search', null, {
      domain: [
        ['usage', '=', 'view'],
        ['name', '=', 'WH'],
      ],
    })) as number[];
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 1);
    await rpc.ok('stock.picking', 'write', [picking], { vals: { location_dest_id: view[0] } });
    await rpc.ok('stock.move', 'write', [move], { vals: { picked: true } });
    const lines = (await rpc.ok('stock.move.line', 'search', null, { domain: [['move_id', '=', move]] })) as number[];
    await rpc.ok('stock.move.line', 'write', lines, { vals: { location_dest_id: view[0] } });
    expectRefusal(
      rpc,
      await rpc.call('stock.picking', 'button_validate', [picking]),
      'odoo.exceptions.ValidationError',
      'You cannot take products from or deliver products to a location of type "view" (WH).',
    );
    // The refused call changed nothing (one transaction per call).
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 5, reserved: 1 });
    // A serial on Shelf 1 counted once more in Stock (its parent): twice in Stock's tree.
    const sn = idOf(
      await rpc.ok('stock.lot', 'create', null, { vals_list: [{ name: 'SN-1', product_id: ids.panel }] }),
    );
    await putOnHand(rpc, ids.panel, ids.shelf, 1, sn);
    const quant = idOf(
      await rpc.ok('stock.quant', 'create', null, {
        vals_list: [{ product_id: ids.panel, location_id: ids.stock, lot_id: sn, inventory_quantity: 1 }],
        context: { inventory_mode: true },
      }),
    );
    expectRefusal(
      rpc,
      await rpc.call('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } }),
      'odoo.exceptions.ValidationError',
      'The serial number has already been assigned: \n Product: [PANEL] Panel, Serial Number: SN-1',
    );
  });

  it('stock.lot: company required on 17 only, one name per product and company, a name from the sequence', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const noCompany = await rpc.call('stock.lot', 'create', null, {
      vals_list: [{ name: 'L-0', product_id: ids.coil, company_id: false }],
    });
    if (c.version === 17)
      expectRefusal(rpc, noCompany, 'odoo.exceptions.ValidationError', /Model: stock\.lot, Field: company_id/);
    else expect(noCompany.error).toBeUndefined();
    const named = idOf(await rpc.ok('stock.lot', 'create', null, { vals_list: [{ product_id: ids.coil }] }));
    expect(await readOne(rpc, 'stock.lot', named, ['name', 'company_id'])).toMatchObject({
      name: '0000001',
      company_id: c.version === 17 ? [1, 'Stand-in Company'] : false,
    });
    await rpc.ok('stock.lot', 'create', null, { vals_list: [{ name: 'L-1', product_id: ids.coil, company_id: 1 }] });
    expectRefusal(
      rpc,
      await rpc.call('stock.lot', 'create', null, {
        vals_list: [{ name: 'L-1', product_id: ids.coil, company_id: 1 }],
      }),
      'odoo.exceptions.ValidationError',
      c.version === 17
        ? /^The combination of serial number and product must be unique across a company\./
        : /^The combination of lot\/serial number and product must be unique within a company/,
    );
    // The same name for another product is fine.
    expect(
      (
        await rpc.call('stock.lot', 'create', null, {
          vals_list: [{ name: 'L-1', product_id: ids.bolt, company_id: 1 }],
        })
      ).error,
    ).toBeUndefined();
  });

  it('stock.move fields per version: name required on 17/18 and unknown on 19; locations plain on 17', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const picking = idOf(
      await rpc.ok('stock.picking', 'create', null, { vals_list: [{ picking_type_id: ids.internal }] }),
    );
    const withName = await rpc.call('stock.move', 'create', null, {
      vals_list: [
        {
          name: 'x',
          picking_id: picking,
          product_id: ids.bolt,
          product_uom_qty: 1,
          location_id: ids.stock,
          location_dest_id: ids.shelf,
        },
      ],
    });
    if (c.version >= 19)
      expectRefusal(rpc, withName, 'builtins.ValueError', "Invalid field 'name' on model 'stock.move'");
    else expect(withName.error).toBeUndefined();
    const bare = await rpc.call('stock.move', 'create', null, {
      vals_list: [{ picking_id: picking, product_id: ids.bolt, product_uom_qty: 1 }],
    });
    if (c.version === 17)
      expectRefusal(rpc, bare, 'odoo.exceptions.ValidationError', /Model: stock\.move, Field: (name|location_id)/);
    else if (c.version === 18)
      expectRefusal(rpc, bare, 'odoo.exceptions.ValidationError', /Model: stock\.move, Field: name/);
    else {
      // 18/19 take the locations from the picking (computed, stored, writable).
      const move = await readOne<{ location_id: [number, string]; location_dest_id: [number, string] }>(
        rpc,
        'stock.move',
        idOf(bare.result),
        ['location_id', 'location_dest_id'],
      );
      expect([move.location_id[0], move.location_dest_id[0]]).toEqual([ids.stock, ids.stock]);
    }
    const fields = (await rpc.ok('stock.move', 'fields_get', null, { attributes: ['type', 'required'] })) as Record<
      string,
      unknown
    >;
    expect(Object.keys(fields).includes('name')).toBe(c.version <= 18);
    expect(Object.keys(fields).includes('location_final_id')).toBe(c.version >= 18);
    expect(fields['quantity']).toEqual({ type: 'float', required: false });
  });
});

describe.each(CASES)('stock.quant inventory mode on the stand-in: $name', (c) => {
  it('inventory_quantity on create holds the count; action_apply_inventory posts it, returns None', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const first = await rpc.call('stock.quant', 'create', null, {
      vals_list:
        c.protocol === 'jsonrpc'
          ? { product_id: ids.bolt, location_id: ids.stock, inventory_quantity: 12 }
          : [{ product_id: ids.bolt, location_id: ids.stock, inventory_quantity: 12 }],
      context: { inventory_mode: true },
    });
    // One dict over JSON-RPC gives an id, JSON-2 always a list.
    expect(first.result).toEqual(c.protocol === 'jsonrpc' ? expect.any(Number) : [expect.any(Number)]);
    const quant = idOf(first.result);
    expect(
      await readOne(rpc, 'stock.quant', quant, ['quantity', 'inventory_quantity', 'inventory_quantity_set']),
    ).toMatchObject({
      quantity: 0,
      inventory_quantity: 12,
      inventory_quantity_set: true,
    });
    // Outside inventory mode only inventory fields... inside, other fields are refused.
    expectRefusal(
      rpc,
      await rpc.call('stock.quant', 'create', null, {
        vals_list: [{ product_id: ids.bolt, location_id: ids.stock, inventory_quantity: 1, quantity: 5 }],
        context: { inventory_mode: true },
      }),
      'odoo.exceptions.UserError',
      "Quant's creation is restricted, you can't do this operation.",
    );
    const applied = await rpc.call('stock.quant', 'action_apply_inventory', [quant], {
      context: { inventory_mode: true },
    });
    expect(applied.error).toBeUndefined();
    if (c.protocol === 'jsonrpc') expect(applied.noResult).toBe(true);
    else expect(applied.result).toBeNull();
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 12, reserved: 0 });
    const moves = (await rpc.ok('stock.move', 'search_read', null, {
      domain: [
        ['is_inventory', '=', true],
        ['product_id', '=', ids.bolt],
      ],
      fields: ['state', 'quantity', 'location_id'],
    })) as { state: string; quantity: number; location_id: [number, string] }[];
    expect(moves.map((m) => [m.state, m.quantity, m.location_id[1]])).toEqual([
      ['done', 12, 'Virtual Locations/Inventory adjustment'],
    ]);
    // The same key again: the existing quant comes back.
    const again = idOf(
      await rpc.ok('stock.quant', 'create', null, {
        vals_list: [{ product_id: ids.bolt, location_id: ids.stock, inventory_quantity: 10 }],
        context: { inventory_mode: true },
      }),
    );
    expect(again).toBe(quant);
    await rpc.ok('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 10, reserved: 0 });
    // A consumable has no quants.
    expectRefusal(
      rpc,
      await rpc.call('stock.quant', 'create', null, {
        vals_list: [{ product_id: ids.grease, location_id: ids.stock, inventory_quantity: 1 }],
        context: { inventory_mode: true },
      }),
      'odoo.exceptions.ValidationError',
      'Quants cannot be created for consumables or services.',
    );
  });
});
