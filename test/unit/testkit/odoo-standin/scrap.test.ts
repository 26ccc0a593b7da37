// stock.scrap on the stand-in, per version and protocol: the locations default from the
// production, action_validate scraps what is on hand, returns the insufficient-quantity wizard
// (and scraps nothing) for a storable product that is not there, refuses a zero quantity and more
// than one record; do_scrap skips the check; a done scrap cannot be deleted.
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, idOf, productId, ref, start } from './rpc.js';
import { PRODUCTS, onHand, putOnHand, readOne } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

async function production(r: Rpc, product: number): Promise<number> {
  return idOf(await r.ok('mrp.production', 'create', null, { vals_list: [{ product_id: product, product_qty: 10 }] }));
}

async function scrap(r: Rpc, vals: Record<string, unknown>): Promise<number> {
  return idOf(await r.ok('stock.scrap', 'create', null, { vals_list: [vals] }));
}

describe.each(CASES)('stock.scrap on the stand-in: $name', (c) => {
  it('validates what is on hand: a done move to the scrap location, a name, date_done', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const bolt = await productId(rpc, 'BOLT');
    const stock = await ref(rpc, 'stock.stock_location_stock');
    await putOnHand(rpc, bolt, stock, 5);
    const mo = await production(rpc, bolt);
    const src = (await readOne<{ location_src_id: [number, string] }>(rpc, 'mrp.production', mo, ['location_src_id']))
      .location_src_id[0];
    const id = await scrap(rpc, { product_id: bolt, scrap_qty: 2, production_id: mo, origin: '[m:1]' });
    const before = await readOne<{ state: string; name: string; location_id: [number, string] }>(
      rpc,
      'stock.scrap',
      id,
      ['state', 'name', 'location_id', 'scrap_location_id'],
    );
    expect(before.state).toBe('draft');
    expect(before.name).toBe('New');
    expect(before.location_id[0]).toBe(src);
    expect(await rpc.ok('stock.scrap', 'action_validate', [id])).toBe(true);
    const after = await readOne<{ state: string; name: string; date_done: unknown }>(rpc, 'stock.scrap', id, [
      'state',
      'name',
      'date_done',
    ]);
    expect(after.state).toBe('done');
    expect(after.name).toMatch(/^SP\/\d{5}$/);
    expect(typeof after.date_done).toBe('string');
    expect((await onHand(rpc, bolt, stock)).quantity).toBe(3);
    const del = await rpc.call('stock.scrap', 'unlink', [id]);
    expect(del.error?.name).toBe('odoo.exceptions.UserError');
  });

  it('returns the insufficient-quantity wizard for a storable product not on hand; do_scrap skips it', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const bolt = await productId(rpc, 'BOLT');
    const id = await scrap(rpc, { product_id: bolt, scrap_qty: 4 });
    const action = (await rpc.ok('stock.scrap', 'action_validate', [id])) as Record<string, unknown>;
    expect(action['type']).toBe('ir.actions.act_window');
    expect(action['res_model']).toBe('stock.warn.insufficient.qty.scrap');
    expect((action['context'] as Record<string, unknown>)['default_scrap_id']).toBe(id);
    expect((await readOne<{ state: string }>(rpc, 'stock.scrap', id, ['state'])).state).toBe('draft');
    expect(await rpc.ok('stock.scrap', 'do_scrap', [id])).toBe(true);
    expect((await readOne<{ state: string }>(rpc, 'stock.scrap', id, ['state'])).state).toBe('done');
  });

  it('a consumable scraps without a check; zero and two records are refused', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const grease = await productId(rpc, 'GREASE');
    const a = await scrap(rpc, { product_id: grease, scrap_qty: 1.5 });
    const b = await scrap(rpc, { product_id: grease, scrap_qty: 0 });
    expect((await rpc.call('stock.scrap', 'action_validate', [a, b])).error?.name).toBe('builtins.ValueError');
    expect((await rpc.call('stock.scrap', 'action_validate', [b])).error?.message).toBe(
      'You can only enter positive quantities.',
    );
    expect(await rpc.ok('stock.scrap', 'action_validate', [a])).toBe(true);
  });
});
