// Manufacturing orders on the stand-in, per version and protocol: components from the BoM,
// set_qty_producing, consumption, button_mark_done's wizards unless the context keys are given,
// the finished lot field of each version, and work-order quantities.
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedProduct } from '../../../../src/testkit/odoo-standin/index.js';
import type { Rpc } from './rpc.js';
import { CASES, idOf, productId, start } from './rpc.js';
import { onHand, putOnHand, readOne } from './stock-fixture.js';
import { ref } from './rpc.js';

const MRP_PRODUCTS: readonly SeedProduct[] = [
  { default_code: 'FRAME', name: 'Frame' },
  { default_code: 'STEEL', name: 'Steel' },
  { default_code: 'LOTFIN', name: 'Lot Frame', tracking: 'lot' },
  { default_code: 'SERFIN', name: 'Serial Frame', tracking: 'serial' },
];

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

interface Ids {
  stock: number;
  frame: number;
  steel: number;
  lotfin: number;
  serfin: number;
}

async function ids(r: Rpc): Promise<Ids> {
  return {
    stock: await ref(r, 'stock.stock_location_stock'),
    frame: await productId(r, 'FRAME'),
    steel: await productId(r, 'STEEL'),
    lotfin: await productId(r, 'LOTFIN'),
    serfin: await productId(r, 'SERFIN'),
  };
}

/** A BoM: one Frame from 2 Steel (consumption: the default 'warning'). */
async function frameBom(r: Rpc, i: Ids): Promise<number> {
  const tmpl = (
    await readOne<{ product_tmpl_id: [number, string] }>(r, 'product.product', i.frame, ['product_tmpl_id'])
  ).product_tmpl_id[0];
  return idOf(
    await r.ok('mrp.bom', 'create', null, {
      vals_list: [
        {
          product_tmpl_id: tmpl,
          product_id: i.frame,
          product_qty: 1,
          bom_line_ids: [[0, 0, { product_id: i.steel, product_qty: 2 }]],
        },
      ],
    }),
  );
}

async function rawMove(
  r: Rpc,
  mo: number,
): Promise<{ id: number; product_uom_qty: number; quantity: number; picked: boolean; state: string }> {
  const rows = (await r.ok('stock.move', 'search_read', null, {
    domain: [['raw_material_production_id', '=', mo]],
    fields: ['product_uom_qty', 'quantity', 'picked', 'state'],
  })) as { id: number; product_uom_qty: number; quantity: number; picked: boolean; state: string }[];
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe.each(CASES)('mrp.production on the stand-in: $name', (c) => {
  it('button_mark_done answers the consumption, then the backorder wizard, until the context keys decide', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    await putOnHand(rpc, i.steel, i.stock, 100);
    const bom = await frameBom(rpc, i);
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, {
        vals_list: [{ product_id: i.frame, product_qty: 10, bom_id: bom }],
      }),
    );
    expect(await readOne(rpc, 'mrp.production', mo, ['name', 'state', 'consumption'])).toMatchObject({
      name: 'WH/MO/00001',
      state: 'draft',
    });
    expect(await rawMove(rpc, mo)).toMatchObject({ product_uom_qty: 20, state: 'draft' });
    expect(await rpc.ok('mrp.production', 'action_confirm', [mo])).toBe(true);
    expect(await readOne(rpc, 'mrp.production', mo, ['state', 'consumption'])).toMatchObject({
      state: 'confirmed',
      consumption: 'warning',
    });
    expect(await rawMove(rpc, mo)).toMatchObject({ state: 'assigned', quantity: 20, picked: false });
    // Reserved component lines name their production (mrp's stock.move.line.production_id).
    expect(
      await rpc.ok('stock.move.line', 'search_count', null, {
        domain: [
          ['production_id', '=', mo],
          ['product_id', '=', i.steel],
        ],
      }),
    ).toBe(1);
    // Producing 4: qty_producing, then set_qty_producing (None) prefills 8 Steel, picked.
    await rpc.ok('mrp.production', 'write', [mo], { vals: { qty_producing: 4 } });
    const setQty = await rpc.call('mrp.production', 'set_qty_producing', [mo]);
    expect(setQty.error).toBeUndefined();
    if (c.protocol === 'jsonrpc') expect(setQty.noResult).toBe(true);
    else expect(setQty.result).toBeNull();
    const raw = await rawMove(rpc, mo);
    expect(raw).toMatchObject({ quantity: 8, picked: true });
    // The floor used 9: recorded by hand, protected from the propagation.
    await rpc.ok('stock.move', 'write', [raw.id], { vals: { quantity: 9, picked: true, manual_consumption: true } });
    const consumption = (await rpc.ok('mrp.production', 'button_mark_done', [mo])) as Record<string, unknown>;
    expect(consumption).toMatchObject({
      type: 'ir.actions.act_window',
      res_model: 'mrp.consumption.warning',
      xml_id: 'mrp.action_mrp_consumption_warning',
      target: 'new',
      context: {
        default_mrp_production_ids: [mo],
        default_mrp_consumption_warning_line_ids: [
          [
            0,
            0,
            { mrp_production_id: mo, product_id: i.steel, product_consumed_qty_uom: 9, product_expected_qty_uom: 8 },
          ],
        ],
      },
    });
    expect(Object.keys(consumption)).toContain(c.version >= 19 ? 'group_ids' : 'groups_id');
    const backorder = (await rpc.ok('mrp.production', 'button_mark_done', [mo], {
      context: { skip_consumption: true },
    })) as Record<string, unknown>;
    expect(backorder).toMatchObject({
      res_model: 'mrp.production.backorder',
      context: { default_mrp_production_backorder_line_ids: [[0, 0, { mrp_production_id: mo, to_backorder: true }]] },
    });
    // Nothing was done by either answer.
    expect(await readOne(rpc, 'mrp.production', mo, ['state'])).not.toMatchObject({ state: 'done' });
    expect(await onHand(rpc, i.steel, i.stock)).toMatchObject({ quantity: 100 });
    expect(await onHand(rpc, i.frame, i.stock)).toMatchObject({ quantity: 0 });

    const done = await rpc.ok('mrp.production', 'button_mark_done', [mo], {
      context: { skip_consumption: true, skip_backorder: true, mo_ids_to_backorder: [mo], skip_redirection: true },
    });
    expect(done).toBe(true);
    expect(await readOne(rpc, 'mrp.production', mo, ['state', 'name', 'product_qty', 'qty_produced'])).toMatchObject({
      state: 'done',
      name: 'WH/MO/00001-001',
      product_qty: 4,
      qty_produced: 4,
    });
    expect(await onHand(rpc, i.steel, i.stock)).toMatchObject({ quantity: 91 });
    expect(await onHand(rpc, i.frame, i.stock)).toMatchObject({ quantity: 4 });
    const bo = (await rpc.ok('mrp.production', 'search_read', null, {
      domain: [['name', '=', 'WH/MO/00001-002']],
      fields: ['product_qty', 'state'],
    })) as { id: number; product_qty: number; state: string }[];
    expect(bo).toMatchObject([{ product_qty: 6, state: 'confirmed' }]);
    expect(await rawMove(rpc, bo[0]!.id)).toMatchObject({ product_uom_qty: 12, state: 'assigned' });
  });

  it('skip_backorder alone closes the MO; components that were not picked are cancelled, not consumed', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    await putOnHand(rpc, i.steel, i.stock, 50);
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, {
        vals_list: [{ product_id: i.frame, product_qty: 5, bom_id: await frameBom(rpc, i) }],
      }),
    );
    await rpc.ok('mrp.production', 'action_confirm', [mo]);
    // qty_producing written over RPC does not run the onchange: components stay unpicked.
    await rpc.ok('mrp.production', 'write', [mo], { vals: { qty_producing: 5 } });
    expect(
      await rpc.ok('mrp.production', 'button_mark_done', [mo], {
        context: { skip_consumption: true, skip_backorder: true },
      }),
    ).toBe(true);
    expect(await rawMove(rpc, mo)).toMatchObject({ state: 'cancel' });
    expect(await onHand(rpc, i.steel, i.stock)).toEqual({ quantity: 50, reserved: 0 });
    expect(await onHand(rpc, i.frame, i.stock)).toMatchObject({ quantity: 5 });
  });

  it('the finished lot: lot_producing_id on 17/18, lot_producing_ids on 19; it reaches the quant', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: i.lotfin, product_qty: 3 }] }),
    );
    await rpc.ok('mrp.production', 'action_confirm', [mo]);
    const lot = idOf(
      await rpc.ok('stock.lot', 'create', null, { vals_list: [{ name: 'F-1', product_id: i.lotfin, company_id: 1 }] }),
    );
    const wrongField = c.version >= 19 ? { lot_producing_id: lot } : { lot_producing_ids: [[6, 0, [lot]]] };
    const refused = await rpc.call('mrp.production', 'write', [mo], { vals: wrongField });
    expect(refused.error?.name).toBe('builtins.ValueError');
    expect(refused.error?.message).toBe(`Invalid field '${Object.keys(wrongField)[0]}' on model 'mrp.production'`);
    await rpc.ok('mrp.production', 'write', [mo], {
      vals: {
        qty_producing: 3,
        ...(c.version >= 19 ? { lot_producing_ids: [[6, 0, [lot]]] } : { lot_producing_id: lot }),
      },
    });
    expect(await rpc.ok('mrp.production', 'button_mark_done', [mo], { context: { skip_backorder: true } })).toBe(true);
    expect(await onHand(rpc, i.lotfin, i.stock, lot)).toMatchObject({ quantity: 3 });
    // 19: a lot-tracked MO takes one lot only.
    if (c.version >= 19) {
      const mo2 = idOf(
        await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: i.lotfin, product_qty: 1 }] }),
      );
      expect(await rpc.ok('mrp.production', 'action_generate_serial', [mo2])).toBeNull();
      const again = await rpc.call('mrp.production', 'action_generate_serial', [mo2]);
      expect(again.error).toMatchObject({
        name: 'odoo.exceptions.UserError',
        message: 'You cannot set more than 1 lot per product',
      });
      const lots = (await readOne<{ lot_producing_ids: number[] }>(rpc, 'mrp.production', mo2, ['lot_producing_ids']))
        .lot_producing_ids;
      expect(lots).toHaveLength(1);
    }
  });

  it('a serial MO with nothing produced: 19 answers the serial wizard, 17/18 ask for a backorder', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: i.serfin, product_qty: 3 }] }),
    );
    await rpc.ok('mrp.production', 'action_confirm', [mo]);
    const answer = (await rpc.ok('mrp.production', 'button_mark_done', [mo])) as Record<string, unknown>;
    if (c.version >= 19) {
      expect(answer).toMatchObject({ res_model: 'mrp.production.serials', context: { default_production_id: mo } });
    } else {
      expect(answer).toMatchObject({ res_model: 'mrp.production.backorder' });
      const row = await readOne<{ lot_producing_id: [number, string]; qty_producing: number }>(
        rpc,
        'mrp.production',
        mo,
        ['lot_producing_id', 'qty_producing'],
      );
      expect(row.lot_producing_id[1]).toBe('0000001');
    }
    expect(await readOne(rpc, 'mrp.production', mo, ['state'])).toMatchObject({ state: 'confirmed' });
  });

  it('a closed production refuses cancel, unlink and a new start date', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: i.frame, product_qty: 1 }] }),
    );
    await rpc.ok('mrp.production', 'action_confirm', [mo]);
    expect(await rpc.ok('mrp.production', 'button_mark_done', [mo])).toBe(true);
    for (const [method, ids, kw] of [
      ['action_cancel', [mo], {}],
      ['unlink', [mo], {}],
    ] as const) {
      const a = await rpc.call('mrp.production', method, ids, kw);
      expect(a.error).toMatchObject({
        name: 'odoo.exceptions.UserError',
        message: 'You cannot cancel a manufacturing order that is already done.',
      });
      expect(a.httpStatus).toBe(c.protocol === 'json2' ? 422 : 200);
    }
    const moved = await rpc.call('mrp.production', 'write', [mo], { vals: { date_start: '2026-03-01 06:00:00' } });
    expect(moved.error).toMatchObject({
      message: 'You cannot move a manufacturing order once it is cancelled or done.',
    });
  });
});

describe.each(CASES)('mrp.workorder on the stand-in: $name', (c) => {
  it('qty_produced: checked and propagated on 19, plain on 17/18; record_production does not exist', async () => {
    rpc = await start(c, { products: MRP_PRODUCTS });
    const i = await ids(rpc);
    const wc = (await rpc.ok('mrp.workcenter', 'search', null, { domain: [['code', '=', 'WC-01']] })) as number[];
    const mo = idOf(
      await rpc.ok('mrp.production', 'create', null, { vals_list: [{ product_id: i.frame, product_qty: 10 }] }),
    );
    await rpc.ok('mrp.production', 'action_confirm', [mo]);
    const wo = idOf(
      await rpc.ok('mrp.workorder', 'create', null, {
        vals_list: [{ name: 'press', workcenter_id: wc[0], production_id: mo }],
      }),
    );
    const fields = (await rpc.ok('mrp.workorder', 'fields_get', null, {
      allfields: ['qty_produced', 'state'],
      attributes: ['readonly', 'selection'],
    })) as Record<string, { readonly: boolean; selection?: [string, string][] }>;
    expect(fields['qty_produced']?.readonly).toBe(c.version <= 18);
    expect(fields['state']?.selection?.map((s) => s[0])).toEqual(
      c.version >= 19
        ? ['blocked', 'ready', 'progress', 'done', 'cancel']
        : ['pending', 'waiting', 'ready', 'progress', 'done', 'cancel'],
    );
    await rpc.ok('mrp.workorder', 'write', [wo], { vals: { qty_produced: 3 } });
    expect(await readOne(rpc, 'mrp.production', mo, ['qty_producing'])).toMatchObject({
      qty_producing: c.version >= 19 ? 3 : 0,
    });
    const negative = await rpc.call('mrp.workorder', 'write', [wo], { vals: { qty_produced: -1 } });
    if (c.version >= 19)
      expect(negative.error).toMatchObject({
        name: 'odoo.exceptions.UserError',
        message: 'The quantity produced must be positive.',
      });
    else expect(negative.error).toBeUndefined();
    expect(await rpc.ok('mrp.workorder', 'button_finish', [wo])).toBe(true);
    const onDone = await rpc.call('mrp.workorder', 'write', [wo], { vals: { qty_produced: 5 } });
    if (c.version >= 19)
      expect(onDone.error?.message).toBe(
        'You cannot change the quantity produced of a work order that is in done or cancel state.',
      );
    else expect(onDone.error).toBeUndefined();
    const record = await rpc.call('mrp.workorder', 'record_production', [wo]);
    const text =
      c.version >= 19
        ? "The method 'mrp.workorder.record_production' does not exist"
        : "The method 'record_production' does not exist on the model 'mrp.workorder'";
    if (c.protocol === 'json2')
      expect([record.httpStatus, record.error]).toEqual([
        404,
        expect.objectContaining({ message: `404 Not Found: ${text}` }),
      ]);
    else expect(record.error).toMatchObject({ name: 'builtins.AttributeError', message: text });
  });
});
