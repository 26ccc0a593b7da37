// The orders poster against the stand-in (17 over JSON-RPC, 19 over JSON-2): good counts reach the
// work order as differences to earlier revisions (one revision lowers it), scrap as validated
// stock.scrap; a lost ledger is recovered from Odoo's markers; a crash between note and write, a
// lost response after commit and a serialization failure never add twice; unknown and closed work
// orders are refused with Odoo's state; the insufficient-quantity wizard is not "done".
import { afterEach, describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { createMemoryKeyValue } from '../../../../src/io/memory/memory-key-value.js';
import {
  createOrdersHandler,
  orderShareKey,
  ordersLedgerOn,
  type InsufficientScrap,
  type OrdersHandler,
} from '../../../../src/io/odoo/orders-poster.js';
import type { Fixture } from '../../../support/odoo-fixture.js';
import { share } from '../../../support/order-shares.js';
import { startFixture } from '../../../support/odoo-fixture.js';
import { MAPPING } from './summary-fixtures.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

function seedOrder(fx: Fixture, name: string, productId = 42, code = 'WC-01'): { moId: number; woId: number } {
  const wc = fx.standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'] as number;
  const [moId] = fx.standin.store.create('mrp.production', [{ name, product_id: productId, product_qty: 500 }]);
  const [woId] = fx.standin.store.create('mrp.workorder', [
    { name: `${name} press`, workcenter_id: wc, production_id: moId, state: 'progress' },
  ]);
  return { moId: moId!, woId: woId! };
}

function handlerOn(
  fx: Fixture,
  kv = createMemoryKeyValue(),
  insufficientScrap: InsufficientScrap = 'refuse',
): { handler: OrdersHandler; kv: ReturnType<typeof createMemoryKeyValue> } {
  return {
    kv,
    handler: createOrdersHandler({
      client: fx.client,
      ledger: ordersLedgerOn(kv),
      mapping: { ...MAPPING, quantities: 'orders' },
      targets: fx.targets,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
      insufficientScrap,
    }),
  };
}

const produced = (fx: Fixture, woId: number): number =>
  Number(fx.standin.records('mrp.workorder').find((r) => r['id'] === woId)?.['qty_produced'] ?? 0);

/** The validated scrap of a production, summed (drafts do not count). */
const scrapped = (fx: Fixture, moId: number): number =>
  fx.standin
    .records('stock.scrap')
    .filter((r) => r['production_id'] === moId && r['state'] === 'done')
    .reduce((n, r) => n + Number(r['scrap_qty']), 0);

async function refusal(p: Promise<unknown>): Promise<OdooError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OdooError);
  return err as OdooError;
}

describe.each([17, 19] as const)('orders poster on Odoo %i', (version) => {
  it('posts good as differences across revisions (one lowers it) and shifts, scrap validated and linked', async () => {
    f = await startFixture({ version });
    const { handler } = handlerOn(f);
    const { moId, woId } = seedOrder(f, 'WH/MO/00012');
    const o = { ref: 'WH/MO/00012', woId, moId };
    expect(await handler.handle(share(0, o, 1, 100, 4))).toMatchObject({ status: 'posted', created: 1 });
    expect(produced(f, woId)).toBe(100);
    expect(await handler.handle(share(1, o, 1, 50, 0))).toMatchObject({ status: 'posted', created: 0 });
    expect(produced(f, woId)).toBe(150);
    // Revision 2 of day 0 lowers good to 90 and raises scrap to 6: only the differences go to Odoo.
    expect(await handler.handle(share(0, o, 2, 90, 6))).toMatchObject({ status: 'posted', created: 1 });
    expect(produced(f, woId)).toBe(140);
    expect(scrapped(f, moId)).toBe(6);
    const scraps = f.standin.records('stock.scrap');
    expect(scraps.map((s) => s['scrap_qty']).sort()).toEqual([2, 4]);
    for (const s of scraps) {
      expect(s).toMatchObject({ production_id: moId, workorder_id: woId, product_id: 42, state: 'done' });
      expect(String(s['origin'])).toContain(`[shiftstream-order-scrap:${orderShareKey(share(0, o, 1, 0, 0))}@`);
    }
    // Re-delivery and an older revision change nothing.
    expect(await handler.handle(share(0, o, 2, 90, 6))).toMatchObject({ status: 'already-posted' });
    expect(await handler.handle(share(0, o, 1, 100, 4))).toMatchObject({ status: 'superseded' });
    expect(produced(f, woId)).toBe(140);
    expect(scrapped(f, moId)).toBe(6);
    // The no-order share and early updates are not posted.
    expect(await handler.handle(share(2, { ref: null, woId: null }, 1, 7, 1))).toMatchObject({ status: 'no-order' });
    expect(await handler.handle({ ...share(2, o, 1, 7, 1), final: false })).toMatchObject({ status: 'not-final' });
    expect(produced(f, woId)).toBe(140);
  });

  it('a lost ledger is recovered from notes and scrap origins: replays add nothing', async () => {
    f = await startFixture({ version });
    const { handler } = handlerOn(f);
    const { moId, woId } = seedOrder(f, 'WH/MO/00020');
    const o = { ref: 'WH/MO/00020', woId, moId };
    await handler.handle(share(0, o, 1, 100, 3));
    await handler.handle(share(1, o, 1, 40, 1));
    await handler.handle(share(0, o, 2, 120, 3));
    expect(produced(f, woId)).toBe(160);
    // Redis lost: a fresh ledger, everything replayed from the topic.
    const fresh = handlerOn(f).handler;
    for (const s of [share(0, o, 1, 100, 3), share(1, o, 1, 40, 1), share(0, o, 2, 120, 3)]) await fresh.handle(s);
    expect(produced(f, woId)).toBe(160);
    expect(scrapped(f, moId)).toBe(4);
    const again = handlerOn(f).handler;
    await again.handle(share(1, o, 2, 35, 2));
    expect(produced(f, woId)).toBe(155);
    expect(scrapped(f, moId)).toBe(5);
  });

  it('a crash after the note (write done or not) and a lost response after commit never add twice', async () => {
    f = await startFixture({ version });
    const { moId, woId } = seedOrder(f, 'WH/MO/00030');
    const o = { ref: 'WH/MO/00030', woId, moId };
    // 1. The write is lost after Odoo committed it, and the scrap create too: retried, found, not doubled.
    f.standin.faults.inject({ kind: 'lost-after-commit', model: 'mrp.workorder', method: 'write', times: 1 });
    f.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.scrap', method: 'create', times: 1 });
    f.standin.faults.inject({ kind: 'serialization', model: 'stock.scrap', method: 'action_validate', times: 1 });
    const a = handlerOn(f);
    await a.handler.handle(share(0, o, 1, 100, 5));
    expect(produced(f, woId)).toBe(100);
    expect(scrapped(f, moId)).toBe(5);
    expect(f.standin.records('stock.scrap')).toHaveLength(1);
    expect(f.standin.faults.fired['lost-after-commit']).toBe(2);
    // 2. A crash between the note and the write (the ledger says pending): the write happens once.
    const key = orderShareKey(share(1, o, 1, 0, 0));
    f.standin.faults.inject({ kind: 'http5xx', model: 'mrp.workorder', method: 'write', times: 99 });
    const b = handlerOn(f, createMemoryKeyValue());
    await expect(b.handler.handle(share(1, o, 1, 30, 0))).rejects.toThrow();
    expect(JSON.parse((await b.kv.get(`po:${key}`))!)).toMatchObject({ pending: { before: 100, after: 130 } });
    f.standin.faults.clear();
    expect(produced(f, woId)).toBe(100);
    await b.handler.handle(share(1, o, 1, 30, 0));
    expect(produced(f, woId)).toBe(130);
    // 3. The same crash after the write went through (pending left behind): found, not added again.
    const c = handlerOn(f, createMemoryKeyValue());
    await c.handler.handle(share(2, o, 1, 10, 0));
    const key2 = orderShareKey(share(2, o, 1, 0, 0));
    await c.kv.set(
      `po:${key2}`,
      JSON.stringify({
        posted: { revision: 0, good: 0, scrap: 0 },
        pending: { revision: 1, good: 10, woId, before: 130, after: 140 },
      }),
    );
    await c.handler.handle(share(2, o, 1, 10, 0));
    expect(produced(f, woId)).toBe(140);
    // 4. Same again with the ledger gone too: the note on the production decides.
    await handlerOn(f).handler.handle(share(2, o, 1, 10, 0));
    expect(produced(f, woId)).toBe(140);
  });

  it('unknown and closed work orders are refused with what Odoo holds; after the fix they post', async () => {
    f = await startFixture({ version });
    const { handler } = handlerOn(f);
    const unknown = await refusal(handler.handle(share(0, { ref: 'WH/MO/00404', woId: null }, 1, 5, 0)));
    expect(unknown.code).toBe('SHIFTSTREAM_ODOO_MISSING');
    expect(unknown.message).toContain('expected a mrp.workorder of production "WH/MO/00404"');
    const gone = await refusal(handler.handle(share(0, { ref: 'WH/MO/00405', woId: 9_999 }, 1, 5, 0)));
    expect(gone.message).toContain('with id 9999 or of production "WH/MO/00405"');
    const { moId, woId } = seedOrder(f, 'WH/MO/00406');
    f.standin.store.update('mrp.workorder', woId, { state: 'done' });
    const closed = await refusal(handler.handle(share(0, { ref: 'WH/MO/00406', woId, moId }, 1, 5, 0)));
    expect(closed.code).toBe('SHIFTSTREAM_ODOO_VALIDATION');
    expect(closed.message).toContain(`mrp.workorder ${woId} is done in Odoo`);
    expect(produced(f, woId)).toBe(0);
    // The fix: the order exists now (found by name); the closed one is reopened.
    const created = seedOrder(f, 'WH/MO/00404');
    await handler.handle(share(0, { ref: 'WH/MO/00404', woId: null }, 1, 5, 0));
    expect(produced(f, created.woId)).toBe(5);
    f.standin.store.update('mrp.workorder', woId, { state: 'progress' });
    await handler.handle(share(0, { ref: 'WH/MO/00406', woId, moId }, 1, 5, 0));
    expect(produced(f, woId)).toBe(5);
  });

  it('the insufficient-quantity wizard is not done: refused or do_scrap; lowered scrap is noted', async () => {
    f = await startFixture({ version });
    const storable = version === 17 ? { type: 'product' } : { type: 'consu', is_storable: true };
    const [productId] = f.standin.store.create('product.product', [{ name: 'Bracket', ...storable }]);
    const { moId, woId } = seedOrder(f, 'WH/MO/00050', productId);
    const o = { ref: 'WH/MO/00050', woId, moId };
    const err = await refusal(handlerOn(f).handler.handle(share(0, o, 1, 10, 2)));
    expect(err.message).toContain('action_validate returned the stock.warn.insufficient.qty.scrap wizard');
    expect(scrapped(f, moId)).toBe(0);
    expect(f.standin.records('stock.scrap').map((s) => s['state'])).toEqual(['draft']);
    // dlq replay with confirm: the draft left behind is validated, no second scrap is created.
    const confirm = handlerOn(f, createMemoryKeyValue(), 'confirm').handler;
    expect(await confirm.handle(share(0, o, 1, 10, 2))).toMatchObject({ status: 'posted' });
    expect(f.standin.records('stock.scrap').map((s) => s['state'])).toEqual(['done']);
    expect(scrapped(f, moId)).toBe(2);
    expect(produced(f, woId)).toBe(10);
    // A revision lowering scrap cannot take a validated scrap back: confirmed as scrap-lowered, noted.
    expect(await confirm.handle(share(0, o, 2, 10, 1))).toMatchObject({ status: 'scrap-lowered' });
    expect(scrapped(f, moId)).toBe(2);
    const notes = f.standin.records('mail.message').filter((m) => String(m['body']).includes('lowers the scrap'));
    expect(notes).toHaveLength(1);
    expect(String(notes[0]!['body'])).toContain('return 1 from the scrap location by hand');
  });
});
