// orders sync with planned maintenance (docs/semantics.md section 12) against the Odoo stand-in, 17
// (schedule_date + duration) and 19 (schedule_end): preventive requests of the topology's equipment
// reach each work center's snapshot; a request moved in Odoo republishes only its work center;
// corrective, archived and other equipment's requests are left out; nothing changes: nothing sent.
import { afterEach, describe, expect, it } from 'vitest';
import type { PlannedStop } from '../../../src/core/planned-maintenance.js';
import { createOrdersSync, type OrdersSnapshot } from '../../../src/engine/orders-sync.js';
import { MemoryEventSink } from '../../../src/io/memory/index.js';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import { createOdooPlannedMaintenanceReader } from '../../../src/io/odoo/planned-maintenance-reader.js';
import { createOdooWorkOrderReader } from '../../../src/io/odoo/work-order-reader.js';
import { silentLog } from '../../../src/ports/log.js';
import type { Fixture } from '../../support/odoo-fixture.js';
import { startFixture } from '../../support/odoo-fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const NOW = Date.UTC(2026, 2, 2, 8);
const H = 3_600_000;

describe.each([19, 17] as const)('orders sync with planned maintenance (stand-in %i)', (version) => {
  it('publishes the preventive requests of each work center and republishes only on change', async () => {
    f = await startFixture({ version, workCenters: 3, nowMs: () => NOW });
    const fx = f;
    const [press1, press2, other] = fx.standin.store.create('maintenance.equipment', [
      { name: 'Press 1', serial_no: 'EQ-1' },
      { name: 'Press 2 hydraulics' },
      { name: 'Forklift', serial_no: 'FL-9' },
    ]);
    // v19 has schedule_end; 17 plans with schedule_date + duration (hours).
    const plannedVals = (start: string, hours: number): Record<string, unknown> =>
      version === 19
        ? {
            schedule_date: start,
            schedule_end: new Date(Date.parse(`${start}Z`) + hours * H).toISOString().slice(0, 19).replace('T', ' '),
          }
        : { schedule_date: start, duration: hours };
    const [pm1, pm2] = fx.standin.store.create('maintenance.request', [
      {
        name: 'Monthly check',
        equipment_id: press1,
        maintenance_type: 'preventive',
        ...plannedVals('2026-03-02 10:00:00', 1.5),
      },
      {
        name: 'Oil change',
        equipment_id: press2,
        maintenance_type: 'preventive',
        ...plannedVals('2026-03-02 12:00:00', 0.5),
      },
    ]);
    fx.standin.store.create('maintenance.request', [
      {
        name: 'Broken',
        equipment_id: press1,
        maintenance_type: 'corrective',
        ...plannedVals('2026-03-02 11:00:00', 1),
      },
      {
        name: 'Hidden',
        equipment_id: press1,
        maintenance_type: 'preventive',
        archive: true,
        ...plannedVals('2026-03-02 13:00:00', 1),
      },
      {
        name: 'Forklift',
        equipment_id: other,
        maintenance_type: 'preventive',
        ...plannedVals('2026-03-02 09:00:00', 1),
      },
    ]);
    fx.log.createTopic('orders', 1);
    const workCenters = async (): Promise<Map<number, string>> =>
      new Map([...(await fx.targets()).workCenters].map(([id, t]) => [t.odooId, id]));
    const sync = createOrdersSync({
      reader: createOdooWorkOrderReader(fx.client),
      kv: createMemoryKeyValue(),
      sink: new MemoryEventSink(fx.log),
      topic: 'orders',
      plantId: 'plant-a',
      nowMs: () => NOW + 20_000,
      log: silentLog,
      workCenters,
      planned: {
        reader: createOdooPlannedMaintenanceReader({
          client: fx.client,
          equipment: new Map([
            ['wc-1', ['EQ-1']],
            ['wc-2', ['Press 2 hydraulics']],
          ]),
          workCenters,
        }),
        horizonMs: 48 * H,
      },
    });
    const r1 = await sync.pollOnce();
    expect([...r1.published].sort()).toEqual(['wc-1', 'wc-2', 'wc-3']);
    const latest = (wc: string): OrdersSnapshot | undefined =>
      fx
        .json<OrdersSnapshot>('orders')
        .filter((s) => s.workCenterId === wc)
        .at(-1);
    const stop = (id: number, name: string, from: string, hours: number): PlannedStop => ({
      requestId: id,
      name,
      startMs: Date.parse(`${from}Z`),
      endMs: Date.parse(`${from}Z`) + hours * H,
    });
    expect(latest('wc-1')?.plannedMaintenance).toEqual([stop(pm1!, 'Monthly check', '2026-03-02T10:00:00', 1.5)]);
    expect(latest('wc-2')?.plannedMaintenance).toEqual([stop(pm2!, 'Oil change', '2026-03-02T12:00:00', 0.5)]);
    expect(latest('wc-3')?.plannedMaintenance).toEqual([]);
    const sent = fx.log.records('orders').length;
    expect(await sync.pollOnce()).toMatchObject({ published: [] });
    expect(fx.log.records('orders').length).toBe(sent);
    // The oil change moves an hour later: only wc-2 is published again.
    fx.standin.store.write('maintenance.request', [pm2!], plannedVals('2026-03-02 13:00:00', 0.5));
    expect((await sync.pollOnce()).published).toEqual(['wc-2']);
    expect(latest('wc-2')?.plannedMaintenance).toEqual([stop(pm2!, 'Oil change', '2026-03-02T13:00:00', 0.5)]);
  });
});
