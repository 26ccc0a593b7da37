// The material poster against the stand-in (17 and 18 over JSON-RPC, 19 over JSON-2): consumption
// as picked move lines on the production's component move (one line per lot and location holding
// the sum of its events), produced lots with the version's producing-lot field, inventory moves as
// validated internal transfers; replays with a lost ledger, lost responses after commit and
// serialization failures never move stock twice; closed productions, unknown lots and locations,
// insufficient stock and unknown codes are refused with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { createMemoryKeyValue } from '../../../../src/io/memory/memory-key-value.js';
import {
  createMaterialHandler,
  materialItem,
  materialLedgerOn,
  type Insufficient,
  type MaterialHandler,
} from '../../../../src/io/odoo/material-poster.js';
import type { MilestoneRecord } from '../../../../src/core/milestones.js';
import {
  PLAN,
  T0,
  consumed,
  moved,
  produced,
  startMaterialWorld,
  type MaterialWorld,
} from '../../../support/material-fixture.js';

let w: MaterialWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

function handlerOn(world: MaterialWorld, kv = createMemoryKeyValue(), insufficient: Insufficient = 'refuse') {
  const handler: MaterialHandler = createMaterialHandler({
    client: world.client,
    ledger: materialLedgerOn(kv),
    plan: PLAN,
    workCenterId: async (wc) => (wc === 'wc-1' ? world.workcenter : undefined),
    retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
    insufficient,
  });
  return {
    kv,
    post: (m: MilestoneRecord) => {
      const item = materialItem(PLAN, m);
      if (item.event === null) throw new Error(`rejected: ${item.reject?.detail}`);
      return handler.handle(item.event, item.key);
    },
  };
}

/** Picked component lines of a production: lot id -> location id -> quantity. */
function consumedLines(world: MaterialWorld, moId: number): Map<string, number> {
  const moves = new Set(
    world.standin
      .records('stock.move')
      .filter((m) => m['raw_material_production_id'] === moId)
      .map((m) => m['id']),
  );
  const out = new Map<string, number>();
  for (const l of world.standin.records('stock.move.line')) {
    if (!moves.has(l['move_id']) || l['picked'] !== true) continue;
    const k = `${String(l['lot_id'])}@${String(l['location_id'])}`;
    out.set(k, (out.get(k) ?? 0) + Number(l['quantity']));
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<OdooError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OdooError);
  return err as OdooError;
}

describe.each([17, 18, 19] as const)('material poster on Odoo %i', (version) => {
  it('consumption: one picked line per lot and location holds the sum; replays, lost ledgers add nothing', async () => {
    w = await startMaterialWorld(version);
    const { moId, rawMove } = await w.production('WH/MO/00001');
    const a = handlerOn(w);
    const events = [consumed('C-1', 2, T0, 'WH/MO/00001'), consumed('C-1', 3, T0 + 1000, 'WH/MO/00001')];
    events.push(consumed('C-2', 1.5, T0 + 2000)); // no order named: the running work order at T0+2s
    for (const e of events) expect((await a.post(e)).status).toBe('posted');
    const c1 = w.lots.get('C-1')!;
    const c2 = w.lots.get('C-2')!;
    const want = new Map([
      [`${c1}@${w.coilStore}`, 5],
      [`${c2}@${w.coilStore}`, 1.5],
    ]);
    expect(consumedLines(w, moId)).toEqual(want);
    // Same ledger: already posted. A fresh ledger (Redis lost): Odoo's notes say it is there.
    expect((await a.post(events[0]!)).status).toBe('already-posted');
    const b = handlerOn(w);
    for (const e of events) await b.post(e);
    expect(consumedLines(w, moId)).toEqual(want);
    const move = w.standin.records('stock.move').find((m) => m['id'] === rawMove)!;
    expect(move['manual_consumption']).toBe(true);
    const notes = w.standin
      .records('mail.message')
      .filter((m) => m['res_id'] === moId && String(m['body']).includes('[shiftstream-material:'));
    expect(notes).toHaveLength(3);
  });

  it('a lost response after commit and a serialization failure on the line write add nothing', async () => {
    w = await startMaterialWorld(version);
    const { moId } = await w.production('WH/MO/00002');
    const a = handlerOn(w);
    w.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.move.line', method: 'create' });
    await a.post(consumed('C-1', 2, T0, 'WH/MO/00002'));
    w.standin.faults.inject({ kind: 'serialization', model: 'stock.move.line', method: 'write' });
    w.standin.faults.inject({ kind: 'lost-after-commit', model: 'mrp.production', method: 'message_post' });
    await a.post(consumed('C-1', 4, T0 + 1, 'WH/MO/00002'));
    expect(w.standin.faults.fired).toMatchObject({ 'lost-after-commit': 2, serialization: 1 });
    expect(consumedLines(w, moId)).toEqual(new Map([[`${w.lots.get('C-1')}@${w.coilStore}`, 6]]));
  });

  it('produced lot: stock.lot of the production product and company, set with the version field, once', async () => {
    w = await startMaterialWorld(version);
    const { moId } = await w.production('WH/MO/00003');
    const a = handlerOn(w);
    w.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.lot', method: 'create' });
    const out = await a.post(produced('P-77', 5, T0, 'WH/MO/00003'));
    await handlerOn(w).post(produced('P-77', 5, T0, 'WH/MO/00003'));
    const lots = w.standin.records('stock.lot').filter((l) => l['name'] === 'P-77');
    expect(lots).toHaveLength(1);
    expect(lots[0]).toMatchObject({ product_id: w.panel, company_id: 1 });
    expect(out.odooIds).toEqual([lots[0]!['id']]);
    const mo = w.standin.records('mrp.production').find((m) => m['id'] === moId)!;
    if (version >= 19) expect(mo['lot_producing_ids']).toEqual([lots[0]!['id']]);
    else expect(mo['lot_producing_id']).toBe(lots[0]!['id']);
    // 17/18: lot_producing_id holds one lot; a second produced lot is refused with the reason.
    if (version < 19) {
      const err = await refusal(a.post(produced('P-78', 5, T0 + 1, 'WH/MO/00003')));
      expect(err.message).toContain('already produces lot');
    }
  });

  it('inventory move: a validated internal transfer; found by its origin on replay; stock moved once', async () => {
    w = await startMaterialWorld(version);
    const a = handlerOn(w);
    w.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.picking', method: 'button_validate' });
    const out = await a.post(moved('C-3', 4, T0));
    expect(out.odooModel).toBe('stock.picking');
    expect((await handlerOn(w).post(moved('C-3', 4, T0))).status).toBe('already-posted');
    const pickings = w.standin.records('stock.picking');
    expect(pickings).toHaveLength(1);
    expect(pickings[0]).toMatchObject({ state: 'done', location_id: w.coilStore, location_dest_id: w.pressLine });
    const quants = w.standin.records('stock.quant').filter((q) => q['lot_id'] === w!.lots.get('C-3'));
    const at = (loc: number): number =>
      quants.filter((q) => q['location_id'] === loc).reduce((s, q) => s + Number(q['quantity']), 0);
    expect([at(w.coilStore), at(w.pressLine)]).toEqual([6, 4]);
  });

  it('refusals: closed production, unknown lot and location, insufficient stock, no running order', async () => {
    w = await startMaterialWorld(version);
    const a = handlerOn(w);
    // Nothing reserved yet: 10 of each coil lot are available.
    const short = await refusal(a.post(moved('C-1', 11, T0)));
    expect(short.message).toContain('insufficient quantity: 10 of COIL lot C-1 available at WH/Stock/Coils');
    expect(w.standin.records('stock.picking')).toHaveLength(0);
    const allowed = await handlerOn(w, createMemoryKeyValue(), 'allow').post(moved('C-1', 11, T0));
    expect(allowed.status).toBe('posted');
    const { moId } = await w.production('WH/MO/00004');
    await a.post(produced('P-1', 1, T0, 'WH/MO/00004'));
    await w.client.write('mrp.production', [moId], { qty_producing: 1 });
    await w.client.callMethod('mrp.production', 'button_mark_done', [moId], {
      context: { skip_consumption: true, skip_backorder: true },
    });
    const closed = await refusal(a.post(consumed('C-1', 1, T0, 'WH/MO/00004')));
    expect(closed.code).toBe('SHIFTSTREAM_ODOO_VALIDATION');
    expect(closed.message).toContain('WH/MO/00004 is done in Odoo');
    expect(closed.message).toContain('Odoo would accept it: the stock would move at once');
    expect(closed.details).toMatchObject({ check: 'shiftstream' });
    expect(closed.details['odooName']).toBeUndefined();
    await w.production('WH/MO/00005');
    const unknownLot = await refusal(a.post(consumed('C-404', 1, T0, 'WH/MO/00005')));
    expect(unknownLot.code).toBe('SHIFTSTREAM_ODOO_MISSING');
    expect(unknownLot.message).toContain('expected a stock.lot "C-404"');
    const noOrder = await refusal(a.post(consumed('C-2', 1, Date.UTC(2026, 2, 2, 4))));
    expect(noOrder.message).toContain('no work order of wc-1 was running at that instant');
    const plan = { ...PLAN, locations: new Map([...PLAN.locations, ['GHOST', 'WH/Stock/Ghost']]) };
    const item = materialItem(plan, moved(null, 1, T0, 'COIL-STORE', 'GHOST'));
    const ghost = await refusal(
      createMaterialHandler({
        client: w.client,
        ledger: materialLedgerOn(createMemoryKeyValue()),
        plan,
        workCenterId: async () => undefined,
        retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 2 },
      }).handle(item.event!, item.key),
    );
    expect(ghost.message).toContain('expected one stock.location with that full name, found none');
  });

  it("the closed-production check is ours: Odoo takes a line on a done production's component move", async () => {
    w = await startMaterialWorld(version);
    const { moId, rawMove } = await w.production('WH/MO/00006', 1);
    const a = handlerOn(w);
    await a.post(consumed('C-1', 2, T0, 'WH/MO/00006'));
    await a.post(produced('P-6', 1, T0, 'WH/MO/00006'));
    await w.client.write('mrp.production', [moId], { qty_producing: 1 });
    await w.client.callMethod('mrp.production', 'button_mark_done', [moId], {
      context: { skip_consumption: true, skip_backorder: true },
    });
    const onHand = (): number =>
      w!.standin
        .records('stock.quant')
        .filter((q) => q['lot_id'] === w!.lots.get('C-3') && q['location_id'] === w!.coilStore)
        .reduce((s, q) => s + Number(q['quantity']), 0);
    expect(w.standin.records('stock.move').find((m) => m['id'] === rawMove)).toMatchObject({ state: 'done' });
    const before = onHand();
    // What the poster would write without its check: Odoo takes it, no error, the coil leaves the store.
    const [line] = await w.client.create('stock.move.line', [
      { move_id: rawMove, lot_id: w.lots.get('C-3'), location_id: w.coilStore, quantity: 2, picked: true },
    ]);
    expect(await w.client.searchRead('stock.move.line', [['id', '=', line]], ['state'])).toMatchObject([
      { state: 'done' },
    ]);
    expect(onHand()).toBe(before - 2);
  });

  it('a wizard despite the context keys (expired lot, product_expiry): reported, never validated', async () => {
    w = await startMaterialWorld(version, 10, { addons: ['product_expiry'] });
    await w.client.write('stock.lot', [w.lots.get('C-1')!], { expiration_date: '2026-01-31 00:00:00' });
    const a = handlerOn(w);
    const err = await refusal(a.post(moved('C-1', 1, T0)));
    expect(err.code).toBe('SHIFTSTREAM_ODOO_VALIDATION');
    expect(err.message).toMatch(
      /stock\.picking \d+ was not validated: button_validate returned the expiry\.picking\.confirmation wizard/,
    );
    expect(err.details['odooName']).toBeUndefined();
    const pickings = w.standin.records('stock.picking');
    expect(pickings.map((p) => p['state'])).toEqual(['assigned']);
    const quants = (loc: number): number =>
      w!.standin
        .records('stock.quant')
        .filter((q) => q['lot_id'] === w!.lots.get('C-1') && q['location_id'] === loc)
        .reduce((s, q) => s + Number(q['quantity']), 0);
    expect([quants(w.coilStore), quants(w.pressLine)]).toEqual([10, 0]);
    // The ledger does not say done: a replay asks Odoo again (same picking, same answer), never posted.
    expect((await a.kv.get(`mat:${materialItem(PLAN, moved('C-1', 1, T0)).key}`)) ?? '').not.toContain('done');
    await refusal(a.post(moved('C-1', 1, T0)));
    expect(w.standin.records('stock.picking')).toHaveLength(1);
    // A fresh lot on the same Odoo validates with the keys alone.
    expect((await a.post(moved('C-2', 1, T0 + 1))).status).toBe('posted');
  });

  it('packages: found or created once by name in the version model, on the line as source and target', async () => {
    w = await startMaterialWorld(version);
    const model = version >= 19 ? 'stock.package' : 'stock.quant.package';
    const a = handlerOn(w);
    const packed = (m: MilestoneRecord, pkg: string): MilestoneRecord => ({
      ...m,
      material: { ...m.material!, package: pkg },
    });
    // Into a new pallet (its create's response lost: found by name on the retry, not made twice).
    w.standin.faults.inject({ kind: 'lost-after-commit', model, method: 'create' });
    await a.post(packed(moved('C-1', 3, T0), 'PAL-7'));
    expect(w.standin.faults.fired['lost-after-commit']).toBe(1);
    const pals = w.standin.records(model).filter((p) => p['name'] === 'PAL-7');
    expect(pals).toHaveLength(1);
    const pal = pals[0]!['id'];
    const lineOf = (pickingIndex: number) => {
      const picking = w!.standin.records('stock.picking')[pickingIndex]!;
      return w!.standin.records('stock.move.line').find((l) => l['picking_id'] === picking['id'])!;
    };
    expect([lineOf(0)['result_package_id'], lineOf(0)['package_id'] ?? false]).toEqual([pal, false]);
    // The pallet back to the coil store: taken out of it at the source, into it at the destination.
    await a.post(packed(moved('C-1', 3, T0 + 1, 'PRESS-LINE', 'COIL-STORE'), 'PAL-7'));
    expect(lineOf(1)).toMatchObject({ result_package_id: pal, package_id: pal });
    const inPal = w.standin.records('stock.quant').filter((q) => q['package_id'] === pal);
    expect(inPal.map((q) => [q['location_id'], q['quantity']]).filter(([, q]) => q !== 0)).toEqual([[w.coilStore, 3]]);
    // An existing package of the name is used, whoever made it; a replay with a fresh ledger adds nothing.
    await handlerOn(w).post(packed(moved('C-1', 3, T0 + 1, 'PRESS-LINE', 'COIL-STORE'), 'PAL-7'));
    expect(w.standin.records(model)).toHaveLength(1);
    expect(w.standin.records('stock.picking')).toHaveLength(2);
  });

  it('manual_consumption per version; the poster sets it: set_qty_producing keeps what it recorded', async () => {
    w = await startMaterialWorld(version);
    const move = (id: number) => w!.standin.records('stock.move').find((m) => m['id'] === id)!;
    // The coil is lot-tracked: 17 computes the move manual at once (draft, tracked); 18/19 only from the
    // BoM line (18: its manual_consumption or operation; 19: its operation) - none here.
    const mine = await w.production('WH/MO/00008', 1);
    const bare = await w.production('WH/MO/00009', 1);
    expect([move(mine.rawMove)['manual_consumption'], move(bare.rawMove)['manual_consumption']]).toEqual(
      version === 17 ? [true, true] : [false, false],
    );
    const ro = (await w.client.callMethod('stock.move', 'fields_get', null, { attributes: ['readonly'] })) as Record<
      string,
      { readonly: boolean }
    >;
    expect(ro['manual_consumption']?.readonly).toBe(version === 17);
    // 3 coils recorded by the poster; 3 written as a picked line by someone else (no manual flag).
    await handlerOn(w).post(consumed('C-1', 3, T0, 'WH/MO/00008'));
    await w.client.create('stock.move.line', [
      { move_id: bare.rawMove, lot_id: w.lots.get('C-1'), location_id: w.coilStore, quantity: 3, picked: true },
    ]);
    expect(move(mine.rawMove)['manual_consumption']).toBe(true);
    // Producing 1 panel (2 coils by the BoM): the MO's propagation leaves manual moves alone.
    for (const mo of [mine, bare]) {
      await w.client.write('mrp.production', [mo.moId], { qty_producing: 1 });
      await w.client.callMethod('mrp.production', 'set_qty_producing', [mo.moId]);
    }
    const picked = (moId: number): number => [...consumedLines(w!, moId).values()].reduce((x, y) => x + y, 0);
    expect(picked(mine.moId)).toBe(3);
    // Without the flag 18/19 overwrite the recorded 3 with the BoM's 2; 17 kept it (tracked: manual).
    expect(picked(bare.moId)).toBe(version === 17 ? 3 : 2);
  });

  it("Odoo's own refusals reach the caller with Odoo's name and message, behind the event", async () => {
    w = await startMaterialWorld(version);
    const plan = {
      ...PLAN,
      locations: new Map([...PLAN.locations, ['WH-VIEW', 'WH'], ['VENDOR', 'Partners/Vendors']]),
    };
    const handler = createMaterialHandler({
      client: w.client,
      ledger: materialLedgerOn(createMemoryKeyValue()),
      plan,
      workCenterId: async () => w!.workcenter,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 2 },
    });
    const post = (m: MilestoneRecord) => {
      const item = materialItem(plan, m);
      if (item.event === null) throw new Error(`rejected: ${item.reject?.detail}`);
      return handler.handle(item.event, item.key);
    };
    // A lot-tracked coil moved without a lot: Odoo's lot check at validation.
    const base = moved('C-1', 1, T0);
    const noLot = await refusal(post({ ...base, material: { ...base.material!, lot: null } }));
    expect(noLot.code).toBe('SHIFTSTREAM_ODOO_VALIDATION');
    expect(noLot.message).toMatch(/^plant-a\/scanner-7 inventory_move .* COIL-DC04 x1: Odoo refused it: /);
    expect(noLot.details).toMatchObject({
      odooName: 'odoo.exceptions.UserError',
      odooMessage: 'You need to supply a Lot/Serial number for products [COIL] Coil DC04.',
    });
    // Into a view location: the quant's location check (our lookup does not refuse it).
    const view = await refusal(post(moved('C-2', 1, T0 + 1, 'COIL-STORE', 'WH-VIEW')));
    expect(view.details).toMatchObject({
      odooName: 'odoo.exceptions.ValidationError',
      odooMessage: 'You cannot take products from or deliver products to a location of type "view" (WH).',
    });
    // Nothing moved for either: the validations rolled back.
    expect(w.standin.records('stock.picking').map((p) => p['state'])).not.toContain('done');
    // Our quantity check only where Odoo keeps stock: from a vendor (virtual) nothing is checked.
    expect((await post(moved(null, 500, T0 + 2, 'VENDOR', 'PRESS-LINE'))).status).toBe('posted');
    const short = await refusal(post(moved(null, 501, T0 + 3, 'PRESS-LINE', 'COIL-STORE')));
    expect(short.message).toContain('insufficient quantity: 500 of BOLT available at WH/Stock/Press');
    // 19: a second lot on a lot-tracked production is Odoo's refusal; 17/18 would replace it silently: ours.
    await w.production('WH/MO/00007');
    await post(produced('P-1', 1, T0, 'WH/MO/00007'));
    const second = await refusal(post(produced('P-2', 1, T0 + 1, 'WH/MO/00007')));
    if (version >= 19)
      expect(second.details).toMatchObject({
        odooName: 'odoo.exceptions.UserError',
        odooMessage: 'You cannot set more than 1 lot',
      });
    else {
      expect(second.message).toContain('already produces lot');
      expect(second.details['odooName']).toBeUndefined();
    }
  });
});
