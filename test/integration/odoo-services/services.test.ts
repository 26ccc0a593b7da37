// `post --milestones`, `dlq replay` and `orders sync` end to end (compiled CLI in a child process,
// real Kafka and Redis, the Odoo stand-in), on both protocols.
import { describe, expect, it } from 'vitest';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import { PRODUCTIVITY_MODEL } from '../../../src/io/odoo/productivity-records.js';
import type { OrdersSnapshot } from '../../../src/engine/orders-sync.js';
import type { AuditRecord, DeadLetter } from '../../../src/ports/dead-letters.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { eventually } from '../support/env.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, suiteContext } from './support.js';

const CASES = PROTOCOL_CASES;
const suite = suiteContext();

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);

function seedOrder(
  standin: OdooStandin,
  name: string,
  code: string,
  state = 'confirmed',
): { moId: number; woId: number } {
  const wc = standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'];
  const [moId] = standin.store.create('mrp.production', [{ name, product_id: 42, product_qty: 100, state }]);
  const [woId] = standin.store.create('mrp.workorder', [
    { name: `${name} op`, workcenter_id: wc, production_id: moId, state: 'ready' },
  ]);
  return { moId: moId!, woId: woId! };
}

describe.each(CASES)('Odoo services over Kafka: $name', ({ version }) => {
  it(
    'post --milestones: down opens and up closes, quantities, scrap and a ' +
      'note reach the order; dlq replay posts the refused one after the fix',
    async () => {
      const plant = await newPlant(3);
      const standin = await startOdooStandin({
        version,
        workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }, { code: 'WC-03' }],
      });
      try {
        await suite.kafka.createTopics([plant.topics.milestones, plant.topics.dlq, plant.topics.audit], 1);
        const { moId, woId } = seedOrder(standin, 'MO/7', 'WC-01');
        const m = (
          kind: MilestoneRecord['kind'],
          dtMs: number,
          extra: Partial<MilestoneRecord> = {},
        ): MilestoneRecord => ({
          plantId: plant.plantId,
          machineId: 'm1',
          workCenterId: 'wc-1',
          kind,
          tsMs: T0 + dtMs,
          tag: 'M1.EVENT',
          reason: null,
          orderRef: null,
          quantity: null,
          ...extra,
        });
        await suite.kafka.produceMilestones(plant.topics.milestones, [
          m('machine_down', 0, { reason: 'material' }),
          m('quantity_completed', 30_000, { orderRef: 'MO/7', quantity: 10 }),
          m('machine_up', 120_000),
          m('scrap_recorded', 150_000, { orderRef: 'MO/7', quantity: 2 }),
          m('scrap_recorded', 160_000, { orderRef: 'MO/404', quantity: 1 }),
          m('inspection_failed', 170_000, { orderRef: 'MO/7' }),
          m('machine_down', 200_000, { machineId: 'm2', workCenterId: 'wc-2', reason: 'jam' }),
          m('order_released', 210_000, { orderRef: 'MO/7' }),
        ]);
        const env = odooEnv(standin, standin.url, plant);
        const post = runCli(suite.driver, ['post', '--topology', plant.topologyFile, '--milestones'], env);
        const groupId = `shiftstream.${plant.plantId}.odoo-poster-milestones`;
        await eventually('milestones committed', 90_000, async () =>
          (await suite.kafka.fullyCommitted(groupId, plant.topics.milestones)) ? true : undefined,
        );
        post.child.kill('SIGINT');
        expect(await post.exit, post.stderr()).toBe(130);

        const losses = new Map(standin.records('ir.model.data').map((r) => [r['name'], r['res_id']]));
        const prod = standin
          .records(PRODUCTIVITY_MODEL)
          .sort((a, b) => String(a['date_start']).localeCompare(String(b['date_start'])));
        expect(prod).toHaveLength(2);
        expect(prod[0]).toMatchObject({
          loss_id: losses.get('block_reason0'),
          date_start: '2026-03-02 08:00:00',
          date_end: '2026-03-02 08:02:00',
        });
        expect(prod[1]).toMatchObject({ loss_id: losses.get('block_reason1'), date_start: '2026-03-02 08:03:20' });
        expect(prod[1]!['date_end'] ?? false).toBe(false);
        expect(standin.records('mrp.workorder').find((r) => r['id'] === woId)?.['qty_produced']).toBe(10);
        expect(standin.records('stock.scrap')).toEqual([
          expect.objectContaining({ production_id: moId, scrap_qty: 2, product_id: 42 }),
        ]);
        expect(standin.records('mail.message')).toEqual([
          expect.objectContaining({ model: 'mrp.production', res_id: moId }),
        ]);

        const dlq = await suite.kafka.readJson<DeadLetter>(plant.topics.dlq);
        expect(dlq).toHaveLength(1);
        expect(dlq[0]!.value).toMatchObject({
          service: 'milestone',
          attempts: 1,
          milestone: { kind: 'scrap_recorded', orderRef: 'MO/404' },
          error: { code: 'SHIFTSTREAM_ODOO_MISSING' },
        });
        const audit = (await suite.kafka.readJson<AuditRecord>(plant.topics.audit)).map((a) => a.value);
        expect(audit.filter((a) => a.event === 'received')).toHaveLength(8);
        expect(
          audit
            .filter((a) => a.event === 'posted')
            .map((a) => a.status)
            .sort(),
        ).toEqual(['closed', 'not-posted', 'opened', 'opened', 'posted', 'posted', 'posted'].sort());

        // Dry run lists it; the fix (the order exists now); the replay posts it, once.
        const dry = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile, '--dry-run'], env);
        expect(await dry.exit, dry.stderr()).toBe(0);
        expect(dry.stdout()).toMatch(/would-replay .*scrap_recorded.*SHIFTSTREAM_ODOO_MISSING/);
        const still = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile], env);
        expect(await still.exit, still.stderr()).toBe(1);
        expect(still.stdout()).toContain('0 replayed, 1 still refused');
        seedOrder(standin, 'MO/404', 'WC-01');
        const replay = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile], env);
        expect(await replay.exit, replay.stderr()).toBe(0);
        expect(replay.stdout()).toContain('1 replayed, 0 still refused');
        expect(standin.records('stock.scrap')).toHaveLength(2);
        const again = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile], env);
        expect(await again.exit).toBe(0);
        expect(again.stdout()).toContain('nothing to replay');
        const replayed = (await suite.kafka.readJson<AuditRecord>(plant.topics.audit))
          .map((a) => a.value)
          .filter((a) => a.event === 'replayed');
        expect(replayed).toEqual([
          expect.objectContaining({ service: 'milestone', odooModel: 'stock.scrap', created: 1 }),
        ]);
      } finally {
        await standin.stop();
        await cleanRedis(plant);
      }
    },
    240_000,
  );

  it(
    'post refuses to start when the topology names a ' + 'work center Odoo lacks (exit 3, every problem listed)',
    async () => {
      const plant = await newPlant(3);
      const standin = await startOdooStandin({ version, workCenters: [{ code: 'WC-01' }] });
      try {
        const post = runCli(
          suite.driver,
          ['post', '--topology', plant.topologyFile],
          odooEnv(standin, standin.url, plant),
        );
        expect(await post.exit).toBe(3);
        expect(post.stderr()).toContain('odoo master data: 2 problem(s)');
        expect(post.stderr()).toContain('work center "wc-3": no active mrp.workcenter with code "WC-03"');
      } finally {
        await standin.stop();
      }
    },
    60_000,
  );

  it('orders sync --once publishes released work orders per work center to a compacted topic', async () => {
    const plant = await newPlant(3);
    const standin = await startOdooStandin({
      version,
      workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }, { code: 'WC-03' }, { code: 'OTHER' }],
    });
    try {
      const a = seedOrder(standin, 'MO/1', 'WC-01');
      seedOrder(standin, 'MO/2', 'WC-02', 'draft');
      seedOrder(standin, 'MO/3', 'OTHER');
      const env = odooEnv(standin, standin.url, plant);
      const first = runCli(suite.driver, ['orders', 'sync', '--topology', plant.topologyFile, '--once'], env);
      expect(await first.exit, first.stderr()).toBe(0);
      expect(first.stdout()).toContain('3 changed work order(s), 2 work center snapshot(s) published');
      const snaps = (await suite.kafka.readJson<OrdersSnapshot>(plant.topics.orders)).map((r) => [
        r.key,
        r.value.workOrders.map((w) => w.productionName),
      ]);
      expect(snaps.sort()).toEqual([
        ['wc-1', ['MO/1']],
        ['wc-2', []],
      ]);
      standin.store.write('mrp.workorder', [a.woId], { state: 'done' });
      const second = runCli(suite.driver, ['orders', 'sync', '--topology', plant.topologyFile, '--once'], env);
      expect(await second.exit, second.stderr()).toBe(0);
      const latest = new Map(
        (await suite.kafka.readJson<OrdersSnapshot>(plant.topics.orders)).map((r) => [r.key, r.value]),
      );
      expect(latest.get('wc-1')?.workOrders).toEqual([]);
    } finally {
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 120_000);
});
