// Fault injection on the new models: a 503, a reset or a serialization failure changes nothing;
// a response lost after commit leaves the work done (what a poster must look up before retrying).
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, start } from './rpc.js';
import { PRODUCTS, onHand, putOnHand, readOne, stockIds, transfer } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

describe.each(CASES)('faults on the stock models: $name', (c) => {
  it('503, reset and serialization leave the transfer as it was; a lost response after commit does not', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    await putOnHand(rpc, ids.bolt, ids.stock, 10);
    const { picking, move } = await transfer(rpc, ids, ids.bolt, 4);
    await rpc.ok('stock.move', 'write', [move], { vals: { picked: true } });
    const { faults } = rpc.standin;

    faults.inject({ kind: 'http5xx', model: 'stock.picking', method: 'button_validate' });
    const unavailable = await fetchStatus(rpc, picking);
    expect(unavailable).toBe(503);
    faults.inject({ kind: 'reset', model: 'stock.picking', method: 'button_validate' });
    await expect(rpc.call('stock.picking', 'button_validate', [picking])).rejects.toThrow();
    faults.inject({ kind: 'serialization', model: 'stock.picking', method: 'button_validate' });
    const serial = await rpc.call('stock.picking', 'button_validate', [picking]);
    expect(serial.error?.name).toBe('psycopg2.errors.SerializationFailure');
    expect(serial.httpStatus).toBe(c.protocol === 'json2' ? 500 : 200);
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'assigned' });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toMatchObject({ quantity: 0 });

    faults.inject({ kind: 'lost-after-commit', model: 'stock.picking', method: 'button_validate' });
    await expect(rpc.call('stock.picking', 'button_validate', [picking])).rejects.toThrow();
    expect(await readOne(rpc, 'stock.picking', picking, ['state'])).toMatchObject({ state: 'done' });
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toMatchObject({ quantity: 4 });
    // A blind retry: 19 skips pickings already done (True, nothing moves twice); 17/18 find no
    // quantity left to validate and refuse.
    const retry = await rpc.call('stock.picking', 'button_validate', [picking]);
    if (c.version >= 19) expect(retry.result).toBe(true);
    else expect(retry.error?.name).toBe('odoo.exceptions.UserError');
    expect(await onHand(rpc, ids.bolt, ids.shelf)).toMatchObject({ quantity: 4 });
    expect(faults.fired).toMatchObject({ http5xx: 1, reset: 1, serialization: 1, 'lost-after-commit': 1 });
  });

  it('a failed batch create of move lines rolls back every line of the call', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const ids = await stockIds(rpc);
    const { move } = await transfer(rpc, ids, ids.bolt, 4);
    const before = await rpc.ok('stock.move.line', 'search_count', null, { domain: [] });
    const a = await rpc.call('stock.move.line', 'create', null, {
      vals_list: [
        { move_id: move, quantity: 1 },
        { move_id: move, quantity: -1 },
      ],
    });
    expect(a.error).toMatchObject({
      name: 'odoo.exceptions.ValidationError',
      message: 'You can not enter negative quantities.',
    });
    expect(await rpc.ok('stock.move.line', 'search_count', null, { domain: [] })).toBe(before);
    expect(await readOne(rpc, 'stock.move', move, ['quantity'])).toMatchObject({ quantity: 0 });
  });
});

async function fetchStatus(r: Rpc, picking: number): Promise<number> {
  return (await r.call('stock.picking', 'button_validate', [picking])).httpStatus;
}
