// `post --kind orders` end to end: the compiled CLI in a child process, real Kafka (OrderSummary Avro
// through the registry) and Redis, the Odoo stand-in on 17 (JSON-RPC) and 19 (JSON-2), under the
// fault matrix: a 503, a connection reset, a lost response after commit, a serialization failure
// and a kill -9 of `post` while a quantity write is held in Odoo. Afterwards every work order's
// qty_produced and every share's validated scrap equal the last revisions exactly (revisions
// included, one lowering a quantity): 0 missing, 0 doubled. An unknown order goes to the DLQ with
// Odoo's reason and `dlq replay` posts it after the fix; `reconcile --kind orders` finds nothing,
// then the changes made behind its back.
import { writeFile, readFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { OrderSummary } from '../../../src/core/types.js';
import { orderSummaryKey } from '../../../src/core/order-summary-key.js';
import { createRegistryCodecs } from '../../../src/io/avro/codecs.js';
import { createRegistryClient } from '../../../src/io/avro/registry-client.js';
import { orderShareKey, scrapMarkerPrefix } from '../../../src/io/odoo/orders-poster.js';
import type { DeadLetter } from '../../../src/ports/dead-letters.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { share } from '../../support/order-shares.js';
import { eventually, integrationEnv } from '../support/env.js';
import { PROTOCOL_CASES, cleanRedis, newPlant, odooEnv, runCli, suiteContext, type Plant } from './support.js';

const suite = suiteContext();
const WCS = 3;

async function produceShares(topic: string, shares: readonly OrderSummary[]): Promise<void> {
  const env = integrationEnv();
  const registry = createRegistryClient({ url: env.registryUrl });
  const { codecs } = await createRegistryCodecs(registry, { OrderSummary: [topic] });
  const kafka = new Kafka({ clientId: 'post-orders-test', brokers: [...env.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: shares.map((s) => ({ key: orderSummaryKey(s), value: codecs.orderSummary.encode(s) })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** The test plant, with quantities from order summaries. */
async function ordersPlant(): Promise<Plant & { orderSummaries: string }> {
  const plant = await newPlant(WCS);
  const text = await readFile(plant.topologyFile, 'utf8');
  await writeFile(plant.topologyFile, text.replace('\nodoo:\n', '\nodoo:\n  quantities: orders\n'));
  return { ...plant, orderSummaries: `shiftstream.${plant.plantId}.order-summaries` };
}

interface Seeded {
  readonly ref: string;
  readonly moId: number;
  readonly woId: number;
}

function seed(standin: OdooStandin, ref: string, code: string): Seeded {
  const wc = standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'];
  const [moId] = standin.store.create('mrp.production', [{ name: ref, product_id: 42, product_qty: 10_000 }]);
  const [woId] = standin.store.create('mrp.workorder', [
    { name: `${ref} op`, workcenter_id: wc, production_id: moId, state: 'progress' },
  ]);
  return { ref, moId: moId!, woId: woId! };
}

/** Differences between Odoo and the last revisions: per work order the sum of good, per share the scrap. */
function diff(standin: OdooStandin, shares: readonly OrderSummary[], orders: readonly Seeded[]): string[] {
  const last = new Map<string, OrderSummary>();
  for (const s of shares) {
    if (s.orderRef === null) continue;
    const k = orderShareKey(s);
    if ((last.get(k)?.revision ?? 0) <= s.revision) last.set(k, s);
  }
  const problems: string[] = [];
  const wos = standin.records('mrp.workorder');
  const scraps = standin.records('stock.scrap');
  for (const o of orders) {
    const mine = [...last.values()].filter((s) => s.orderRef === o.ref);
    const expected = mine.reduce((n, s) => n + s.goodCount, 0);
    const found = Number(wos.find((w) => w['id'] === o.woId)?.['qty_produced'] ?? 0);
    if (Math.abs(found - expected) > 1e-6) problems.push(`${o.ref}: qty_produced ${found}, expected ${expected}`);
    for (const s of mine) {
      const prefix = scrapMarkerPrefix(orderShareKey(s));
      const own = scraps.filter((r) => String(r['origin']).startsWith(prefix));
      const done = own.filter((r) => r['state'] === 'done').reduce((n, r) => n + Number(r['scrap_qty']), 0);
      if (Math.abs(done - s.scrapCount) > 1e-6)
        problems.push(`${o.ref} ${s.windowId}: scrap ${done} in ${own.length} scrap(s), expected ${s.scrapCount}`);
      if (own.some((r) => r['state'] !== 'done')) problems.push(`${o.ref} ${s.windowId}: a scrap left in draft`);
      if (own.some((r) => r['production_id'] !== o.moId || r['workorder_id'] !== o.woId))
        problems.push(`${o.ref} ${s.windowId}: a scrap not linked to its production and work order`);
    }
  }
  return problems;
}

describe.each(PROTOCOL_CASES)('shiftstream post --kind orders over Kafka: $name', ({ version }) => {
  it('the fault matrix and a kill -9 mid-batch: quantities and scrap equal the last revisions', async () => {
    const plant = await ordersPlant();
    const standin = await startOdooStandin({
      version,
      workCenters: Array.from({ length: WCS }, (_, i) => ({ code: `WC-0${i + 1}` })),
    });
    const env = odooEnv(standin, standin.url, plant);
    const groupId = `shiftstream.${plant.plantId}.odoo-poster-orders`;
    try {
      await suite.kafka.createTopics([plant.orderSummaries, plant.topics.dlq, plant.topics.audit]);
      const orders = Array.from({ length: WCS }, (_, i) => seed(standin, `WH/MO/0${version}${i + 1}`, `WC-0${i + 1}`));
      const s = (day: number, w: number, rev: number, good: number, scrap: number): OrderSummary => {
        const o = orders[w]!;
        return share(day, { ref: o.ref, woId: o.woId, moId: o.moId }, rev, good, scrap, `wc-${w + 1}`, plant.plantId);
      };
      // Four days per work center, then revisions: one lowers good (and keeps scrap), others raise both.
      const first: OrderSummary[] = [];
      for (let day = 0; day < 4; day += 1)
        for (let w = 0; w < WCS; w += 1) first.push(s(day, w, 1, 100 + 10 * day + w, day % 2 === 0 ? 2 + w : 0));
      const revisions = [s(0, 0, 2, 80, 2), s(1, 1, 2, 125, 3), s(2, 2, 2, 140, 6), s(2, 2, 3, 131, 7)];
      const noOrder = share(1, { ref: null, woId: null }, 1, 9, 1, 'wc-1', plant.plantId);
      const unknown = share(3, { ref: 'WH/MO/UNKNOWN', woId: null }, 1, 11, 1, 'wc-2', plant.plantId);
      const all = [...first, noOrder, unknown, ...revisions];
      await produceShares(plant.orderSummaries, all);

      // The matrix: a 503 and a lost response after commit on quantity writes, a reset on a scrap
      // create, a serialization failure on a validation; then a quantity write held 2 s in Odoo
      // (committed there) while the poster is killed.
      standin.faults.inject({ kind: 'http5xx', model: 'mrp.workorder', method: 'write', after: 1, times: 1 });
      standin.faults.inject({ kind: 'lost-after-commit', model: 'mrp.workorder', method: 'write', after: 3 });
      standin.faults.inject({ kind: 'reset', model: 'stock.scrap', method: 'create', after: 1, times: 1 });
      standin.faults.inject({ kind: 'serialization', model: 'stock.scrap', method: 'action_validate', after: 2 });
      standin.faults.inject({ kind: 'latency', model: 'mrp.workorder', method: 'write', after: 7, latencyMs: 2_000 });
      const args = ['post', '--kind', 'orders', '--topology', plant.topologyFile, '--flush-interval', '100ms'];
      const first1 = runCli(suite.driver, args, env);
      await eventually('held quantity write in flight', 90_000, () =>
        (standin.faults.fired['latency'] ?? 0) >= 1 ? true : undefined,
      );
      first1.child.kill('SIGKILL');
      await first1.exit;
      // The held write commits in Odoo 2 s after it arrived, its client gone: the ledger says pending.
      await new Promise((r) => setTimeout(r, 3_000));
      // Which faults fired before the kill depends on timing; all have fired once the restart is done.
      expect(standin.faults.fired['latency']).toBe(1);
      expect(diff(standin, all, orders).length).toBeGreaterThan(0);
      const second = runCli(suite.driver, args, env);
      await eventually('exact after the restart and committed', 120_000, async () =>
        diff(standin, all, orders).length === 0 && (await suite.kafka.fullyCommitted(groupId, plant.orderSummaries))
          ? true
          : undefined,
      );
      expect(diff(standin, all, orders)).toEqual([]);
      expect(standin.faults.fired).toMatchObject({
        http5xx: 1,
        'lost-after-commit': 1,
        reset: 1,
        serialization: 1,
        latency: 1,
      });
      // Revisions were posted as differences: day 0 of WC-01 lowered 100 -> 80.
      expect(Number(standin.records('mrp.workorder').find((w) => w['id'] === orders[0]!.woId)?.['qty_produced'])).toBe(
        80 + 110 + 120 + 130,
      );
      second.child.kill('SIGINT');
      expect(await second.exit).toBe(130);

      // The unknown order is a dead letter with Odoo's reason; after the fix, dlq replay posts it once.
      const dlq = await suite.kafka.readJson<DeadLetter>(plant.topics.dlq);
      expect(dlq.map((d) => d.value.service)).toEqual(['orders']);
      expect(dlq[0]!.value.error.code).toBe('SHIFTSTREAM_ODOO_MISSING');
      expect(dlq[0]!.value.error.message).toContain('expected a mrp.workorder of production "WH/MO/UNKNOWN"');
      const fixed = seed(standin, 'WH/MO/UNKNOWN', 'WC-02');
      const replay = runCli(suite.driver, ['dlq', 'replay', '--topology', plant.topologyFile], env);
      expect(await replay.exit, replay.stderr()).toBe(0);
      expect(replay.stdout()).toContain('1 replayed, 0 still refused');
      expect(diff(standin, all, [...orders, fixed])).toEqual([]);

      // Reconcile: nothing, then a scrap deleted and a quantity entered behind shiftstream's back.
      const range = ['--from', '2026-03-01', '--to', '2026-03-10'];
      const clean = runCli(
        suite.driver,
        ['reconcile', '--kind', 'orders', '--topology', plant.topologyFile, ...range],
        env,
      );
      expect(await clean.exit, clean.stdout() + clean.stderr()).toBe(0);
      expect(clean.stdout()).toContain(`${first.length + 1} order share(s), ${WCS + 1} work order(s), 0 difference(s)`);
      standin.store.update('mrp.workorder', orders[1]!.woId, { qty_produced: 1 });
      const victim = standin
        .records('stock.scrap')
        .find((r) => String(r['origin']).startsWith(scrapMarkerPrefix(orderShareKey(s(2, 2, 3, 0, 0)))))!;
      standin.store.update('stock.scrap', victim['id'] as number, { state: 'draft' });
      const dirty = runCli(
        suite.driver,
        ['reconcile', '--kind', 'orders', '--topology', plant.topologyFile, ...range],
        env,
      );
      expect(await dirty.exit).toBe(1);
      expect(dirty.stdout()).toMatch(new RegExp(`^wc-2 +\\* +altered-work-order +${orders[1]!.woId} `, 'm'));
      expect(dirty.stdout()).toMatch(/^wc-3 +2026-03-04\/s1 +altered-scrap /m);
      // qty_produced changed by hand also hides whether the work order's last write arrived (its note's
      // `after` is gone): that share is reported too.
      expect(dirty.stdout()).toMatch(/^wc-2 +2026-03-0\d\/s1 +(missing|altered-good) /m);
      expect(dirty.stdout()).toContain('3 difference(s)');
    } finally {
      await standin.stop();
      await cleanRedis(plant);
    }
  }, 300_000);
});
