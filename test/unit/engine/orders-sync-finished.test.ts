// `orders sync` for order attribution (docs/semantics.md section 11), against the Odoo stand-in
// (17 and 19): finished work orders are published with their finish time while their time can be
// amended, open ones never carry Odoo's planned end as a finish, and without the horizon nothing
// finished is published (what order tagging always read).
import { afterEach, describe, expect, it } from 'vitest';
import type { OrdersSnapshot } from '../../../src/core/orders.js';
import { createOrdersSync } from '../../../src/engine/orders-sync.js';
import { createMemoryKeyValue } from '../../../src/io/memory/index.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { odooDatetime } from '../../../src/io/odoo/productivity-records.js';
import { createOdooWorkOrderReader } from '../../../src/io/odoo/work-order-reader.js';
import type { SinkRecord } from '../../../src/ports/event-sink.js';
import { silentLog } from '../../../src/ports/log.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 5, 2, 12);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup(version: 17 | 19, finishedHorizonMs: number | undefined) {
  const standin: OdooStandin = await startOdooStandin({ version, workCenters: [{ code: 'PRESS01' }] });
  stops.push(() => standin.stop());
  const client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 5_000,
    readRetry: { initialMs: 50, maxMs: 500, multiplier: 2, maxAttempts: 4 },
  });
  const wcId = standin.records('mrp.workcenter').find((r) => r['code'] === 'PRESS01')!['id'] as number;
  const sent: SinkRecord[] = [];
  const sync = createOrdersSync({
    reader: createOdooWorkOrderReader(client),
    kv: createMemoryKeyValue(),
    sink: { send: async (r) => void sent.push(...r), close: async () => {} },
    topic: 'orders',
    plantId: 'p',
    workCenters: async () => new Map([[wcId, 'WC1']]),
    nowMs: () => NOW,
    log: silentLog,
    ...(finishedHorizonMs === undefined ? {} : { finishedHorizonMs }),
  });
  const wo = (production: string, state: string, startMs: number, finishedMs?: number): number => {
    const [moId] = standin.store.create('mrp.production', [
      { name: production, product_id: 42, product_qty: 10, state: 'progress' },
    ]);
    const [woId] = standin.store.create('mrp.workorder', [
      {
        name: `${production} press`,
        workcenter_id: wcId,
        production_id: moId,
        state,
        date_start: odooDatetime(startMs),
        ...(finishedMs === undefined ? {} : { date_finished: odooDatetime(finishedMs) }),
      },
    ]);
    return woId!;
  };
  const lastSnapshot = (): OrdersSnapshot => JSON.parse(sent.at(-1)!.value!.toString('utf8')) as OrdersSnapshot;
  return { sync, wo, lastSnapshot };
}

describe.each([17, 19] as const)('orders sync, finished work orders (Odoo %i)', (version) => {
  it('publishes done work orders finished within the horizon with date_finished; older ones not', async () => {
    const { sync, wo, lastSnapshot } = await setup(version, 10 * H);
    const running = wo('WH/MO/00001', 'progress', NOW - 2 * H, NOW + 5 * H); // planned end in date_finished
    const recent = wo('WH/MO/00002', 'done', NOW - 9 * H, NOW - 3 * H);
    wo('WH/MO/00003', 'done', NOW - 30 * H, NOW - 20 * H);
    wo('WH/MO/00004', 'cancel', NOW - 2 * H, NOW - H);
    expect((await sync.pollOnce()).published).toEqual(['WC1']);
    const lines = lastSnapshot().workOrders;
    expect(lines.map((l) => [l.workOrderId, l.state, l.dateFinishedMs])).toEqual([
      [running, 'progress', null],
      [recent, 'done', NOW - 3 * H],
    ]);
    expect(lines[1]!.productionName).toBe('WH/MO/00002');
  });

  it('without a horizon, only open work orders (as order tagging reads them)', async () => {
    const { sync, wo, lastSnapshot } = await setup(version, undefined);
    const running = wo('WH/MO/00001', 'progress', NOW - 2 * H);
    wo('WH/MO/00002', 'done', NOW - 9 * H, NOW - 3 * H);
    await sync.pollOnce();
    expect(lastSnapshot().workOrders.map((l) => l.workOrderId)).toEqual([running]);
  });
});
