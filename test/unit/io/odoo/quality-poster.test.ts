// Inspections and quality holds through the milestone poster against the stand-in 17 and 19, with
// and without Enterprise Quality (docs/odoo.md "Quality: inspections and holds"): the right model,
// the right fields, each once under lost responses, re-delivery and crashes with the ledger pending.
import { afterEach, describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../../src/core/milestones.js';
import type { Inspection } from '../../../../src/core/types.js';
import { createMemoryKeyValue } from '../../../../src/io/memory/memory-key-value.js';
import {
  createMilestoneHandler,
  milestoneKey,
  milestoneLedgerOn,
  type MilestoneHandler,
} from '../../../../src/io/odoo/milestone-poster.js';
import { PRODUCTIVITY_MODEL } from '../../../../src/io/odoo/productivity-records.js';
import type { OdooMappingPlan } from '../../../../src/topology/types.js';
import { MAPPING } from './summary-fixtures.js';
import { startFixture, type Fixture } from '../../../support/odoo-fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0, 250);
const BORE: Inspection = {
  test: 'bore-diameter',
  measure: 12.1,
  unit: 'mm',
  limitLow: 11.95,
  limitHigh: 12.05,
  lot: null,
};
const m = (kind: MilestoneRecord['kind'], dtMs: number, extra: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  plantId: 'plant-a',
  machineId: 'press-1',
  workCenterId: 'wc-1',
  kind,
  tsMs: T0 + dtMs,
  tag: 'PRESS1.BORE',
  reason: null,
  orderRef: null,
  quantity: null,
  ...extra,
});

function setUp(
  fx: Fixture,
  opts: { scrapOnFail?: number; mapping?: OdooMappingPlan } = {},
): { handler: MilestoneHandler; kv: ReturnType<typeof createMemoryKeyValue> } {
  const kv = createMemoryKeyValue();
  return {
    kv,
    handler: createMilestoneHandler({
      client: fx.client,
      ledger: milestoneLedgerOn(kv),
      mapping: opts.mapping ?? MAPPING,
      targets: fx.targets,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
      scrapOnFail: () => opts.scrapOnFail ?? null,
    }),
  };
}

function seedOrder(fx: Fixture, name: string): { moId: number; woId: number; wcId: number } {
  const wcId = fx.standin.records('mrp.workcenter').find((r) => r['code'] === 'WC-01')!['id'] as number;
  const [moId] = fx.standin.store.create('mrp.production', [
    { name, product_id: 42, product_qty: 100, state: 'confirmed' },
  ]);
  const [woId] = fx.standin.store.create('mrp.workorder', [
    { name: `${name}/op1`, workcenter_id: wcId, production_id: moId, state: 'ready' },
  ]);
  return { moId: moId as number, woId: woId as number, wcId };
}

const pendingAgain = (kv: ReturnType<typeof createMemoryKeyValue>, x: MilestoneRecord): Promise<void> =>
  kv.set(`ms:${milestoneKey(x)}`, JSON.stringify({ state: 'pending' }));

describe.each([19, 17] as const)('inspections, Enterprise Quality (stand-in %i)', (version) => {
  it('a failed inspection: one quality.check (fail, measure, order) and one quality.alert on it', async () => {
    f = await startFixture({ version, edition: 'enterprise' });
    const { handler, kv } = setUp(f, { scrapOnFail: 2 });
    const { moId, woId, wcId } = seedOrder(f, 'WH/MO/00007');
    const failed = m('inspection_failed', 1_000, { orderRef: 'WH/MO/00007', inspection: BORE });
    f.standin.faults.inject({ kind: 'lost-after-commit', model: 'quality.alert', method: 'create' });
    const r = await handler.handle(failed);
    expect(r).toMatchObject({ status: 'failed', odooModel: 'quality.check' });
    const checks = f.standin.records('quality.check');
    const alerts = f.standin.records('quality.alert');
    expect(checks).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    const team = f.standin.records('quality.alert.team')[0]!['id'];
    const measureType = f.standin.records('quality.point.test_type').find((t) => t['technical_name'] === 'measure');
    expect(checks[0]).toMatchObject({
      quality_state: 'fail',
      measure: 12.1,
      production_id: moId,
      workorder_id: woId,
      product_id: 42,
      team_id: team,
      test_type_id: measureType!['id'],
      title: 'bore-diameter',
    });
    expect(checks[0]!['control_date']).toBeTruthy();
    expect(String(checks[0]!['additional_note'])).toContain('measure 12.1 mm, limits [11.95, 12.05] mm');
    expect(alerts[0]).toMatchObject({
      check_id: checks[0]!['id'],
      team_id: team,
      workcenter_id: wcId,
      production_id: moId,
    });
    expect(r.odooIds).toEqual([checks[0]!['id'], alerts[0]!['id']]);
    // No scrap on Enterprise: the alert is where people decide.
    expect(f.standin.records('stock.scrap')).toHaveLength(0);

    expect(await handler.handle(failed)).toMatchObject({ status: 'already-posted' });
    await pendingAgain(kv, failed); // a crash after Odoo wrote, before the ledger said done
    expect(await handler.handle(failed)).toMatchObject({ status: 'failed', created: 0 });
    expect(f.standin.records('quality.check')).toHaveLength(1);
    expect(f.standin.records('quality.alert')).toHaveLength(1);
  });

  it('a passed inspection: a check set to pass (pass/fail type without a measure), no alert', async () => {
    f = await startFixture({ version, edition: 'enterprise' });
    const { handler } = setUp(f);
    seedOrder(f, 'WH/MO/00009');
    f.standin.faults.inject({ kind: 'lost-after-commit', model: 'quality.check', method: 'create' });
    const passed = m('inspection_passed', 2_000, {
      orderRef: 'WH/MO/00009',
      inspection: { ...BORE, measure: null, test: 'visual' },
    });
    expect(await handler.handle(passed)).toMatchObject({ status: 'passed', odooModel: 'quality.check' });
    const checks = f.standin.records('quality.check');
    expect(checks).toHaveLength(1);
    const passfail = f.standin.records('quality.point.test_type').find((t) => t['technical_name'] === 'passfail');
    expect(checks[0]).toMatchObject({ quality_state: 'pass', test_type_id: passfail!['id'], title: 'visual' });
    expect(f.standin.records('quality.alert')).toHaveLength(0);
    expect(f.standin.records('mail.message')).toHaveLength(0);
  });
});

describe.each([19, 17] as const)('inspections, Community (stand-in %i)', (version) => {
  it('a failed inspection: a note on the production and a draft scrap of scrapOnFail, each once', async () => {
    f = await startFixture({ version, edition: 'community' });
    const { handler, kv } = setUp(f, { scrapOnFail: 2 });
    const { moId, woId } = seedOrder(f, 'WH/MO/00011');
    const failed = m('inspection_failed', 1_000, { orderRef: 'WH/MO/00011', inspection: BORE });
    f.standin.faults.inject({ kind: 'lost-after-commit', model: 'stock.scrap', method: 'create' });
    expect(await handler.handle(failed)).toMatchObject({ status: 'failed+scrap', odooModel: 'mail.message' });
    const msgs = f.standin.records('mail.message');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ model: 'mrp.production', res_id: moId });
    expect(String(msgs[0]!['body'])).toContain('Inspection failed on plant-a/wc-1');
    expect(String(msgs[0]!['body'])).toContain('test bore-diameter, measure 12.1 mm');
    const scraps = f.standin.records('stock.scrap');
    expect(scraps).toHaveLength(1);
    expect(scraps[0]).toMatchObject({
      product_id: 42,
      scrap_qty: 2,
      production_id: moId,
      workorder_id: woId,
      state: 'draft',
    });
    await pendingAgain(kv, failed);
    expect(await handler.handle(failed)).toMatchObject({ status: 'failed+scrap', created: 0 });
    expect(f.standin.records('mail.message')).toHaveLength(1);
    expect(f.standin.records('stock.scrap')).toHaveLength(1);
    expect(f.standin.records('ir.model').some((r) => r['model'] === 'quality.check')).toBe(false);
  });

  it('with odoo.quantities: orders a failed inspection scraps nothing (one source of quantities)', async () => {
    f = await startFixture({ version, edition: 'community' });
    const { handler } = setUp(f, { scrapOnFail: 2, mapping: { ...MAPPING, quantities: 'orders' } });
    seedOrder(f, 'WH/MO/00012');
    const r = await handler.handle(m('inspection_failed', 1_000, { orderRef: 'WH/MO/00012', inspection: BORE }));
    expect(r).toMatchObject({ status: 'posted', odooModel: 'mail.message', created: 1 });
    expect(f.standin.records('stock.scrap')).toHaveLength(0);
  });

  it('a passed inspection: a note on the production; without an order nothing is posted', async () => {
    f = await startFixture({ version, edition: 'community' });
    const { handler } = setUp(f);
    const { moId } = seedOrder(f, 'WH/MO/00013');
    const r = await handler.handle(
      m('inspection_passed', 1_000, { orderRef: 'WH/MO/00013', inspection: { ...BORE, measure: 12 } }),
    );
    expect(r).toMatchObject({ status: 'posted', odooModel: 'mail.message', created: 1 });
    expect(f.standin.records('mail.message')[0]).toMatchObject({ model: 'mrp.production', res_id: moId });
    expect(String(f.standin.records('mail.message')[0]!['body'])).toContain('Inspection passed');
    expect(await handler.handle(m('inspection_passed', 2_000))).toMatchObject({ status: 'no-order' });
    expect(f.standin.records('mail.message')).toHaveLength(1);
  });
});

describe.each([
  [19, 'community'],
  [17, 'enterprise'],
] as const)('quality holds (stand-in %i %s)', (version, edition) => {
  it('a hold opens one open quality-loss record per work center; the release closes it, once', async () => {
    f = await startFixture({ version, edition });
    const { handler, kv } = setUp(f);
    const hold = m('quality_hold', 0, { reason: 'burr on edge', tag: 'PRESS1.HOLD' });
    f.standin.faults.inject({ kind: 'lost-after-commit', model: PRODUCTIVITY_MODEL, method: 'create' });
    expect(await handler.handle(hold)).toMatchObject({ status: 'held', created: 0 });
    let rows = f.standin.records(PRODUCTIVITY_MODEL);
    expect(rows).toHaveLength(1);
    const loss = f.standin.records('ir.model.data').find((r) => r['name'] === 'block_reason5')!['res_id'];
    expect(
      await f.client.searchRead('mrp.workcenter.productivity.loss', [['id', '=', loss]], ['name', 'loss_type']),
    ).toMatchObject([{ name: 'Process Defect', loss_type: 'quality' }]);
    expect(rows[0]).toMatchObject({ loss_id: loss, date_start: '2026-03-02 08:00:00' });
    expect(rows[0]!['date_end'] ?? false).toBe(false);
    expect(String(rows[0]!['description'])).toContain('quality hold (burr on edge)');
    await pendingAgain(kv, hold);
    expect(await handler.handle(hold)).toMatchObject({ status: 'held', created: 0 });
    // A second hold while one is open: no second record.
    expect(await handler.handle(m('quality_hold', 30_000, { tag: 'PRESS1.HOLD' }))).toMatchObject({
      status: 'already-held',
      odooIds: [rows[0]!['id']],
    });
    // A machine_up of the work center's machine does not end the hold.
    expect(await handler.handle(m('machine_up', 40_000, { tag: 'PRESS1.STATE' }))).toMatchObject({
      status: 'nothing-open',
    });
    const release = m('quality_release', 600_000, { tag: 'PRESS1.RELEASE' });
    expect(await handler.handle(release)).toMatchObject({ status: 'released', odooIds: [rows[0]!['id']] });
    rows = f.standin.records(PRODUCTIVITY_MODEL);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ date_end: '2026-03-02 08:10:00' });
    expect(await handler.handle(m('quality_release', 700_000, { tag: 'PRESS1.RELEASE' }))).toMatchObject({
      status: 'nothing-held',
    });
  });

  it('a hold inside a posted shift starts at the shift end (shift records are authoritative)', async () => {
    f = await startFixture({ version, edition });
    const { handler, kv } = setUp(f);
    const ledger = milestoneLedgerOn(kv);
    await ledger.live.addCoverage('wc-1', [{ startMs: T0 - 250 - 3_600_000, endMs: T0 - 250 + 1_800_000 }]);
    expect(await handler.handle(m('quality_hold', 0, { tag: 'PRESS1.HOLD' }))).toMatchObject({ status: 'held' });
    const rows = f.standin.records(PRODUCTIVITY_MODEL);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ date_start: '2026-03-02 08:30:00' });
  });
});
