// The milestone poster against the stand-in: down opens, up closes, quantities and scrap reach the
// order, a failed inspection becomes a chatter note; re-delivery after a crash (ledger pending,
// write done) does not write twice; a refused milestone throws a permanent error.
import { afterEach, describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../../src/core/milestones.js';
import { isRetryable } from '../../../../src/errors.js';
import { PRODUCTIVITY_MODEL } from '../../../../src/io/odoo/productivity-records.js';
import { createMemoryKeyValue } from '../../../../src/io/memory/memory-key-value.js';
import {
  createMilestoneHandler,
  milestoneKey,
  milestoneLedgerOn,
  type MilestoneHandler,
} from '../../../../src/io/odoo/milestone-poster.js';
import { MAPPING } from './summary-fixtures.js';
import type { Fixture } from '../../../support/odoo-fixture.js';
import { startFixture } from '../../../support/odoo-fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0, 250);
const m = (kind: MilestoneRecord['kind'], dtMs: number, extra: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  plantId: 'plant-a',
  machineId: 'press-1',
  workCenterId: 'wc-1',
  kind,
  tsMs: T0 + dtMs,
  tag: 'PRESS1.EVENT',
  reason: null,
  orderRef: null,
  quantity: null,
  ...extra,
});

function setUp(
  fx: Fixture,
  kv = createMemoryKeyValue(),
): { handler: MilestoneHandler; kv: ReturnType<typeof createMemoryKeyValue> } {
  return {
    kv,
    handler: createMilestoneHandler({
      client: fx.client,
      ledger: milestoneLedgerOn(kv),
      mapping: MAPPING,
      targets: fx.targets,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
    }),
  };
}

function seedOrder(fx: Fixture, name: string): { moId: number; woId: number } {
  const wc1 = fx.standin.records('mrp.workcenter').find((r) => r['code'] === 'WC-01')!['id'] as number;
  const [moId] = fx.standin.store.create('mrp.production', [
    { name, product_id: 42, product_qty: 100, state: 'confirmed' },
  ]);
  const [woId] = fx.standin.store.create('mrp.workorder', [
    { name: `${name}/op1`, workcenter_id: wc1, production_id: moId, state: 'ready' },
  ]);
  return { moId: moId as number, woId: woId as number };
}

describe.each([19, 17] as const)('milestone poster (stand-in %i)', (version) => {
  it('opens a productivity record on machine_down and closes it on machine_up, once', async () => {
    f = await startFixture({ version });
    const { handler } = setUp(f);
    const down = m('machine_down', 0, { reason: 'material' });
    expect(await handler.handle(down)).toMatchObject({ status: 'opened', created: 1 });
    let rows = f.standin.records(PRODUCTIVITY_MODEL);
    expect(rows).toHaveLength(1);
    const loss = f.standin.records('ir.model.data').find((r) => r['name'] === 'block_reason0')!['res_id'];
    expect(rows[0]).toMatchObject({ loss_id: loss, date_start: '2026-03-02 08:00:00' });
    expect(rows[0]!['date_end'] ?? false).toBe(false); // open: the stand-in stores no value
    expect(await handler.handle(down)).toMatchObject({ status: 'already-posted' });
    const up = m('machine_up', 90_500);
    expect(await handler.handle(up)).toMatchObject({ status: 'closed', odooIds: [rows[0]!['id']] });
    rows = f.standin.records(PRODUCTIVITY_MODEL);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ date_end: '2026-03-02 08:01:30', duration: 1.5 });
  });

  it('a re-delivered machine_up does not close a later machine_down', async () => {
    f = await startFixture({ version });
    const { handler, kv } = setUp(f);
    await handler.handle(m('machine_down', 0));
    await handler.handle(m('machine_up', 60_000));
    const later = await handler.handle(m('machine_down', 120_000));
    kv.data.clear(); // ledger lost: the up is processed again
    await handler.handle(m('machine_up', 60_000));
    const open = f.standin.records(PRODUCTIVITY_MODEL).find((r) => r['id'] === later.odooIds[0]);
    expect(open).toBeDefined();
    expect(open!['date_end'] ?? false).toBe(false);
  });

  it('after a crash with the ledger pending, a lost create is found by its marker, not repeated', async () => {
    f = await startFixture({ version });
    const { handler, kv } = setUp(f);
    const down = m('machine_down', 0);
    f.standin.faults.inject({ kind: 'lost-after-commit', model: PRODUCTIVITY_MODEL, method: 'create' });
    expect(await handler.handle(down)).toMatchObject({ status: 'opened', created: 0 });
    expect(f.standin.records(PRODUCTIVITY_MODEL)).toHaveLength(1);
    // Crash after Odoo wrote, before the ledger said done.
    await kv.set(`ms:${milestoneKey(down)}`, JSON.stringify({ state: 'pending' }));
    expect(await handler.handle(down)).toMatchObject({ status: 'opened', created: 0 });
    expect(f.standin.records(PRODUCTIVITY_MODEL)).toHaveLength(1);
  });

  it('with odoo.quantities: orders, quantity and scrap milestones write nothing (quantities count once)', async () => {
    f = await startFixture({ version });
    const kv = createMemoryKeyValue();
    const handler = createMilestoneHandler({
      client: f.client,
      ledger: milestoneLedgerOn(kv),
      mapping: { ...MAPPING, quantities: 'orders' },
      targets: f.targets,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
    });
    const { woId } = seedOrder(f, 'WH/MO/00008');
    const q = m('quantity_completed', 1_000, { orderRef: 'WH/MO/00008', quantity: 12 });
    expect(await handler.handle(q)).toMatchObject({ status: 'quantities-from-orders', odooIds: [] });
    const s = m('scrap_recorded', 2_000, { orderRef: 'WH/MO/00008', quantity: 3 });
    expect(await handler.handle(s)).toMatchObject({ status: 'quantities-from-orders', odooIds: [] });
    expect(f.standin.records('mrp.workorder').find((r) => r['id'] === woId)?.['qty_produced'] ?? 0).toBe(0);
    expect(f.standin.records('stock.scrap')).toHaveLength(0);
  });

  it(
    'adds completed quantities to the work order exactly ' + 'once, creates a draft scrap, notes a failed inspection',
    async () => {
      f = await startFixture({ version });
      const { handler, kv } = setUp(f);
      const { moId, woId } = seedOrder(f, 'WH/MO/00007');
      const q1 = m('quantity_completed', 1_000, { orderRef: 'WH/MO/00007', quantity: 12 });
      await handler.handle(q1);
      await handler.handle(m('quantity_completed', 2_000, { orderRef: 'WH/MO/00007', quantity: 8 }));
      // q1 re-delivered after a crash between the write and the ledger's done: found, not added again.
      const q1Key = `ms:${milestoneKey(q1)}`;
      await kv.set(q1Key, JSON.stringify({ state: 'pending', after: 20 }));
      expect(await handler.handle(q1)).toMatchObject({ status: 'posted', odooIds: [woId] });
      expect(f.standin.records('mrp.workorder').find((r) => r['id'] === woId)?.['qty_produced']).toBe(20);
      expect(await handler.handle(m('quantity_completed', 3_000))).toMatchObject({ status: 'no-order' });

      const scrap = await handler.handle(m('scrap_recorded', 4_000, { orderRef: 'WH/MO/00007', quantity: 3 }));
      expect(scrap).toMatchObject({ status: 'posted', odooModel: 'stock.scrap', created: 1 });
      expect(f.standin.records('stock.scrap')[0]).toMatchObject({
        product_id: 42,
        scrap_qty: 3,
        production_id: moId,
        workorder_id: woId,
        state: 'draft',
      });

      const insp = await handler.handle(m('inspection_failed', 5_000, { orderRef: 'WH/MO/00007' }));
      expect(insp).toMatchObject({ status: 'posted', odooModel: 'mail.message', created: 1 });
      const msgs = f.standin.records('mail.message');
      expect(msgs).toHaveLength(1);
      expect(msgs[0]).toMatchObject({ model: 'mrp.production', res_id: moId });
      expect(String(msgs[0]!['body'])).toContain('Inspection failed on plant-a/wc-1');
    },
  );

  it('refuses a milestone that names an unknown order with a permanent error', async () => {
    f = await startFixture({ version });
    const { handler, kv } = setUp(f);
    const bad = m('scrap_recorded', 0, { orderRef: 'WH/MO/404', quantity: 1 });
    const err = await handler.handle(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SHIFTSTREAM_ODOO_MISSING' });
    expect(isRetryable(err)).toBe(false);
    expect((err as Error).message).toContain('"WH/MO/404"');
    expect(kv.data.size).toBe(0);
  });
});
