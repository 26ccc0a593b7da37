// Transfers on the stand-in, per version and protocol: button_validate answers the backorder
// wizard (and validates nothing) unless the context keys say what to do; with them it validates
// and moves quants; the quantity/picked semantics of 17-19.
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, idOf, start } from './rpc.js';
import { PRODUCTS, onHand, putOnHand, readOne, stockIds, transfer } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

describe.each(CASES)('stock.picking on the stand-in: $name', (c) => {
  it('button_validate without the context keys returns the backorder wizard and moves nothing', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 5);
    // Confirmed on an 'at_confirm' type: reserved at once, not picked.
    expect(await readOne(rpc, 'stock.move', move, ['state', 'quantity', 'picked'])).toMatchObject({
      state: 'assigned',
      quantity: 5,
      picked: false,
    });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 10, reserved: 5 });

    await rpc.ok('stock.move', 'write', [move], { vals: { quantity: 3, picked: true } });
    const answer = await rpc.call('stock.picking', 'button_validate', [picking]);
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({
      type: 'ir.actions.act_window',
      res_model: 'stock.backorder.confirmation',
      target: 'new',
      view_mode: 'form',
      context: {
        button_validate_picking_ids: [picking],
        default_pick_ids: [[4, picking]],
        default_show_transfers: false,
      },
    });
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'assigned' });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 10, reserved: 3 });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 0, reserved: 0 });

    // With the documented keys it validates: 3 move, the rest is cancelled (no backorder).
    const done = await rpc.ok('stock.picking', 'button_validate', [picking], {
      context: { skip_backorder: true, picking_ids_not_to_backorder: [picking] },
    });
    expect(done).toBe(true);
    expect(await readOne(rpc, 'stock.picking', picking, ['state', 'date_done'])).toMatchObject({ state: 'done' });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 7, reserved: 0 });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 3, reserved: 0 });
    expect(await rpc.ok('stock.picking', 'search_count', null, { domain: [['backorder_id', '=', picking]] })).toBe(0);
    expect(await readOne(rpc, 'stock.move', move, ['state', 'quantity', 'product_uom_qty'])).toMatchObject({
      state: 'done',
      quantity: 3,
    });
  });

  it('skip_backorder alone validates what was picked and puts the rest in a backorder', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 5);
    await rpc.ok('stock.move', 'write', [move], { vals: { quantity: 2, picked: true } });
    expect(await rpc.ok('stock.picking', 'button_validate', [picking], { context: { skip_backorder: true } })).toBe(
      true,
    );
    const backorders = (await rpc.ok('stock.picking', 'search_read', null, {
      domain: [['backorder_id', '=', picking]],
      fields: ['state', 'move_ids', 'name'],
    })) as { id: number; state: string; move_ids: number[]; name: string }[];
    expect(backorders).toHaveLength(1);
    const bo = backorders[0]!;
    expect(bo.name).toMatch(/^WH\/INT\/\d{5}$/);
    const [boMove] = (await rpc.ok('stock.move', 'read', bo.move_ids, {
      fields: ['product_uom_qty', 'state', 'quantity'],
    })) as {
      product_uom_qty: number;
      state: string;
      quantity: number;
    }[];
    // The rest (3) waits in the backorder, reserved again on its 'at_confirm' type.
    expect(boMove).toMatchObject({ product_uom_qty: 3, state: 'assigned', quantity: 3 });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 2, reserved: 0 });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 8, reserved: 3 });
  });

  it('the wizard path: create stock.backorder.confirmation with the action context, then process', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 4);
    await rpc.ok('stock.move', 'write', [move], { vals: { quantity: 1, picked: true } });
    const action = (await rpc.ok('stock.picking', 'button_validate', [picking])) as {
      context: Record<string, unknown>;
    };
    const wizard = idOf(
      await rpc.ok('stock.backorder.confirmation', 'create', null, { vals_list: [{}], context: action.context }),
    );
    const lines = (await rpc.ok('stock.backorder.confirmation.line', 'search_read', null, {
      domain: [['backorder_confirmation_id', '=', wizard]],
      fields: ['picking_id', 'to_backorder'],
    })) as { picking_id: [number, string]; to_backorder: boolean }[];
    expect(lines.map((l) => [l.picking_id[0], l.to_backorder])).toEqual([[picking, true]]);
    // Without button_validate_picking_ids in the context the wizard does nothing (and says True).
    expect(await rpc.ok('stock.backorder.confirmation', 'process', [wizard])).toBe(true);
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'assigned' });
    expect(await rpc.ok('stock.backorder.confirmation', 'process', [wizard], { context: action.context })).toBe(true);
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'done' });
    expect(await rpc.ok('stock.picking', 'search_count', null, { domain: [['backorder_id', '=', picking]] })).toBe(1);
  });

  it('a draft transfer validated at once takes the demand as quantity and answers True', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const picking = idOf(
      await rpc.ok('stock.picking', 'create', null, {
        vals_list: [
          {
            picking_type_id: ids.internal,
            location_id: ids.stock,
            location_dest_id: ids.shelf,
            move_ids: [
              [
                0,
                0,
                {
                  ...(c.version <= 18 ? { name: 'bolts' } : {}),
                  product_id: ids.bolt,
                  product_uom_qty: 6,
                  location_id: ids.stock,
                  location_dest_id: ids.shelf,
                },
              ],
            ],
          },
        ],
      }),
    );
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'draft' });
    expect(await rpc.ok('stock.picking', 'button_validate', [picking])).toBe(true);
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 6, reserved: 0 });
  });

  it('quantity is the reservation until validation; picked decides what is posted', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 20);
    const a = await transfer(rpc, ids, ids.bolt, 5);
    // A second move in the same transfer, left unpicked.
    const second = idOf(
      await rpc.ok('stock.move', 'create', null, {
        vals_list: [
          {
            ...(c.version <= 18 ? { name: 'more bolts' } : {}),
            picking_id: a.picking,
            product_id: ids.bolt,
            product_uom_qty: 4,
            location_id: ids.stock,
            location_dest_id: ids.shelf,
            additional: true,
          },
        ],
      }),
    );
    // Added to a confirmed transfer with additional=True: confirmed and reserved at once.
    expect(await readOne(rpc, 'stock.move', second, ['state', 'quantity'])).toMatchObject({
      state: 'assigned',
      quantity: 4,
    });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 20, reserved: 9 });
    const lineOf = async (move: number): Promise<{ id: number; picked: boolean; quantity: number }> => {
      const rows = (await rpc!.ok('stock.move.line', 'search_read', null, {
        domain: [['move_id', '=', move]],
        fields: ['picked', 'quantity'],
      })) as { id: number; picked: boolean; quantity: number }[];
      expect(rows).toHaveLength(1);
      return rows[0]!;
    };
    // Writing move.picked copies the flag to the lines.
    await rpc.ok('stock.move', 'write', [a.move], { vals: { picked: true } });
    expect(await lineOf(a.move)).toMatchObject({ picked: true, quantity: 5 });
    // Unpicking the only line: 18/19 recompute move.picked to False, the 17 compute only ever sets True.
    await rpc.ok('stock.move.line', 'write', [(await lineOf(a.move)).id], { vals: { picked: false } });
    expect(await readOne(rpc, 'stock.move', a.move, ['picked'])).toMatchObject({ picked: c.version === 17 });
    await rpc.ok('stock.move', 'write', [a.move], { vals: { picked: true } });
    // Lower the first move to 2 (its line shrinks, 3 are unreserved), validate without backorder.
    await rpc.ok('stock.move', 'write', [a.move], { vals: { quantity: 2 } });
    expect(await lineOf(a.move)).toMatchObject({ quantity: 2, picked: true });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 20, reserved: 6 });
    expect(
      await rpc.ok('stock.picking', 'button_validate', [a.picking], {
        context: { skip_backorder: true, picking_ids_not_to_backorder: [a.picking] },
      }),
    ).toBe(true);
    // Only the picked move was posted; the unpicked one (with its reservation) was cancelled.
    expect(await readOne(rpc, 'stock.move', second, ['state'])).toMatchObject({ state: 'cancel' });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toEqual({ quantity: 2, reserved: 0 });
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 18, reserved: 0 });
  });

  it('a line created on the transfer without a move is attached to the move of its product', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 5);
    const line = idOf(
      await rpc.ok('stock.move.line', 'create', null, {
        vals_list: [
          {
            picking_id: picking,
            product_id: ids.bolt,
            quantity: 1,
            location_id: ids.stock,
            location_dest_id: ids.shelf,
          },
        ],
      }),
    );
    const row = await readOne<{ move_id: [number, string] }>(rpc, 'stock.move.line', line, ['move_id']);
    expect(row.move_id[0]).toBe(move);
    expect(await readOne(rpc, 'stock.move', move, ['quantity'])).toMatchObject({ quantity: 6 });
  });

  it('stock.immediate.transfer does not exist from 17 on: the unknown-model error of each protocol', async () => {
    rpc = await start(c);
    const a = await rpc.call('stock.immediate.transfer', 'create', null, { vals_list: [{}] });
    if (c.protocol === 'json2') {
      expect(a.httpStatus).toBe(404);
      expect(a.error).toMatchObject({
        name: 'werkzeug.exceptions.NotFound',
        message: "404 Not Found: the model 'stock.immediate.transfer' does not exist",
      });
    } else {
      expect(a.httpStatus).toBe(200);
      expect(a.error).toMatchObject({
        name: 'odoo.exceptions.UserError',
        message: "Object stock.immediate.transfer doesn't exist",
      });
    }
  });

  it('product_expiry: an expired lot answers its wizard despite skip_backorder; skip_expired passes', async () => {
    rpc = await start(c, { products: PRODUCTS, addons: ['product_expiry'] });
    const ids = await stockIds(rpc);
    const lot = (name: string, expiration: string) =>
      rpc!.ok('stock.lot', 'create', null, {
        vals_list: [{ name, product_id: ids.coil, company_id: 1, expiration_date: expiration }],
      });
    const old = idOf(await lot('OLD', '2020-01-01 00:00:00'));
    const fresh = idOf(await lot('FRESH', '2999-01-01 00:00:00'));
    expect(await readOne(rpc, 'stock.lot', old, ['product_expiry_alert'])).toMatchObject({
      product_expiry_alert: true,
    });
    await putOnHand(rpc, ids.coil, ids.stock, 5, old);
    await putOnHand(rpc, ids.coil, ids.stock, 5, fresh);
    const keys = (picking: number) => ({ skip_backorder: true, picking_ids_not_to_backorder: [picking] });
    // Fresh lot: the keys are enough.
    const a = await transfer(rpc, ids, ids.coil, 2, {});
    await rpc.ok('stock.move', 'write', [a.move], { vals: { quantity: 0 } }); // drop the reservation (of OLD, FIFO)
    await rpc.ok('stock.move.line', 'create', null, {
      vals_list: [{ move_id: a.move, lot_id: fresh, quantity: 2, picked: true }],
    });
    expect(await rpc.ok('stock.picking', 'button_validate', [a.picking], { context: keys(a.picking) })).toBe(true);
    // Expired lot: the wizard, nothing validated, whatever the backorder keys say.
    const b = await transfer(rpc, ids, ids.coil, 2, {});
    await rpc.ok('stock.move', 'write', [b.move], { vals: { quantity: 0 } });
    await rpc.ok('stock.move.line', 'create', null, {
      vals_list: [{ move_id: b.move, lot_id: old, quantity: 2, picked: true }],
    });
    const answer = await rpc.ok('stock.picking', 'button_validate', [b.picking], { context: keys(b.picking) });
    expect(answer).toMatchObject({
      type: 'ir.actions.act_window',
      res_model: 'expiry.picking.confirmation',
      target: 'new',
      context: { default_lot_ids: [[6, 0, [old]]], button_validate_picking_ids: [b.picking] },
    });
    expect(await readOne(rpc, 'stock.picking', b.picking, ['state'])).not.toMatchObject({ state: 'done' });
    expect(await onHand(rpc, ids.coil, ids.shelf, old)).toEqual({ quantity: 0, reserved: 0 });
    // skip_expired (what the wizard's process adds) validates.
    const done = await rpc.ok('stock.picking', 'button_validate', [b.picking], {
      context: { ...keys(b.picking), skip_expired: true },
    });
    expect(done).toBe(true);
    expect(await onHand(rpc, ids.coil, ids.shelf, old)).toEqual({ quantity: 2, reserved: 0 });
  });

  it('without product_expiry the lot has no expiration date and nothing asks', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const answer = await rpc.call('stock.lot', 'create', null, {
      vals_list: [{ name: 'OLD', product_id: ids.coil, company_id: 1, expiration_date: '2020-01-01 00:00:00' }],
    });
    expect(JSON.stringify(answer.error)).toContain('expiration_date');
  });

  it('packages: stock.quant.package on 17/18, stock.package on 19; lines pack into and take out of them', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const model = c.version >= 19 ? 'stock.package' : 'stock.quant.package';
    const other = c.version >= 19 ? 'stock.quant.package' : 'stock.package';
    const rel = (await rpc.ok('stock.move.line', 'fields_get', null, { attributes: ['relation'] })) as Record<
      string,
      { relation?: string }
    >;
    expect([rel['package_id']?.relation, rel['result_package_id']?.relation]).toEqual([model, model]);
    expect((await rpc.call(other, 'search', null, { domain: [] })).error).toBeDefined();
    const pkg = idOf(await rpc.ok(model, 'create', null, { vals_list: [{ name: 'PAL-1' }] }));
    const named = idOf(await rpc.ok(model, 'create', null, { vals_list: [{}] }));
    expect(await readOne(rpc, model, named, ['name'])).toMatchObject({ name: 'PACK0000001' });
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const into = await transfer(rpc, ids, ids.bolt, 4);
    await rpc.ok('stock.move', 'write', [into.move], { vals: { quantity: 0 } });
    await rpc.ok('stock.move.line', 'create', null, {
      vals_list: [{ move_id: into.move, quantity: 4, picked: true, result_package_id: pkg }],
    });
    const keys = (p: number) => ({ skip_backorder: true, picking_ids_not_to_backorder: [p] });
    expect(await rpc.ok('stock.picking', 'button_validate', [into.picking], { context: keys(into.picking) })).toBe(
      true,
    );
    const inPkg = (await rpc.ok('stock.quant', 'search_read', null, {
      domain: [['package_id', '=', pkg]],
      fields: ['location_id', 'quantity'],
    })) as { location_id: [number, string]; quantity: number }[];
    expect(inPkg.map((q) => [q.location_id[0], q.quantity])).toEqual([[ids.shelf, 4]]);
    expect(await onHand(rpc, ids.bolt, ids.stock)).toEqual({ quantity: 6, reserved: 0 });
  });
});
