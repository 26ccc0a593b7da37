// The genealogy of a simulated day (issue 14, "Done when"): one seeded day of the Berlin stamping
// plant (the blanking line consumes coil lots and produces a stack of blanks per coil, the presses
// consume the stacks), through the real path: the raw samples on Kafka, `shiftstream run
// --event-time-only` (stage 1 and stage 2 attribute each lot milestone to the order running at its
// ts), `shiftstream post --kind material` into the Odoo 19 stand-in (which writes an edge once Odoo
// took the event), `dlq replay` for the consumptions that reached Odoo before their stack's
// production, and the compacted genealogy topic read back. It equals, edge for edge, a
// reconstruction written here from the raw samples alone (docs/semantics.md sections 1, 11, 13),
// without the pipeline's mapping, attribution or edge code: 0 missing, 0 extra.
import { describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import type { DeadLetter } from '../../../src/ports/dead-letters.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { partitionForKey } from '../../../src/io/memory/index.js';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import {
  PARTITIONS,
  PlantHarness,
  RunProcess,
  freePort,
  simulatePlant,
  until,
} from '../../support/pipeline-harness.js';
import { integrationEnv } from '../support/env.js';

const DAY = Date.parse('2026-03-24T23:00:00Z'); // 2026-03-25 00:00 Berlin
const SEED = 7;

interface Edge {
  readonly kind: 'consumed' | 'produced';
  readonly order: string;
  readonly product: string;
  readonly lot: string;
}
const keyOf = (plantId: string, e: Edge): string => `${plantId}|${e.kind}|${e.order}|${e.product}|${e.lot}`;

/** The plant's tags as the test reads them from the topology YAML's meaning (no mapper code). */
interface TagFacts {
  readonly workCenter: string;
  readonly role: 'order' | 'consumed' | 'produced' | 'other';
  readonly product: string | null;
}

describe('genealogy of a simulated day', () => {
  it('the genealogy topic equals a reconstruction from the raw lot and order samples', async () => {
    const h = await PlantHarness.create('geneday');
    const plan = h.topology.plant;
    const material = h.topology.material!;
    const env = integrationEnv();
    const children: RunProcess[] = [];
    const standin = await startOdooStandin({
      version: 19,
      workCenters: [...plan.workCenters.values()].map((w) => ({ code: w.odooCode })),
      products: [
        { default_code: 'COIL-DC04', name: 'Coil DC04', tracking: 'lot' },
        { default_code: 'BLANK-DC04', name: 'Blank DC04', tracking: 'lot' },
        { default_code: 'PANEL', name: 'Pressed panel' },
      ],
    });
    const client = createOdooClient({
      url: standin.url,
      db: standin.db,
      login: standin.login,
      apiKey: standin.apiKey,
      protocol: 'auto',
      timeoutMs: 5_000,
      readRetry: { initialMs: 2, maxMs: 10, multiplier: 2, maxAttempts: 3 },
    });
    try {
      // ---- the day: raw samples, seeded (transport defects, silences, breaks as the simulator makes them)
      const { samples } = simulatePlant(h.topology, { seed: SEED, startMs: DAY, untilMs: DAY + 24 * 3_600_000 });

      // ---- the independent reconstruction, from the raw samples alone
      const tags = new Map<string, TagFacts>();
      for (const [tag, t] of plan.tags) {
        const wc = plan.machines.get(t.machineId)!.workCenterId;
        const milestone = t.kind === 'milestone' ? t.milestone : undefined;
        const role =
          t.kind === 'order'
            ? 'order'
            : milestone === 'lot_consumed'
              ? 'consumed'
              : milestone === 'lot_produced'
                ? 'produced'
                : 'other';
        tags.set(tag, { workCenter: wc, role, product: material.tags.get(tag)?.product ?? null });
      }
      // Section 1: a sample counts when its tag is the plant's, its quality is not bad and its ts is sane.
      const valid = (s: RawSample): boolean =>
        tags.has(s.tag) && s.quality !== 'bad' && s.tsMs >= Date.UTC(2000, 0, 1) && s.tsMs < Date.UTC(2100, 0, 1);
      const good = samples.filter(valid);
      // Section 6: the run ends at the aligned watermark, min over raw partitions of their highest ts
      // minus the out-of-orderness bound; a lot milestone goes out once the watermark has passed its ts.
      const highest = new Array<number>(PARTITIONS).fill(-Infinity);
      for (const s of good) {
        const p = partitionForKey(Buffer.from(s.tag), PARTITIONS);
        highest[p] = Math.max(highest[p]!, s.tsMs);
      }
      const watermark = Math.min(...highest) - plan.eventTime.outOfOrdernessMs;
      // Section 11: the order running on a work center at t is the value of its latest order signal
      // with ts <= t (the greatest value among those of that ts), '' is none.
      const signals = new Map<string, { ts: number; value: string }[]>();
      for (const s of good) {
        const f = tags.get(s.tag)!;
        if (f.role !== 'order') continue;
        const list = signals.get(f.workCenter) ?? [];
        list.push({ ts: s.tsMs, value: String(s.value) });
        signals.set(f.workCenter, list);
      }
      const runningAt = (wc: string, t: number): string | null => {
        let best: { ts: number; value: string } | undefined;
        for (const x of signals.get(wc) ?? [])
          if (x.ts <= t && (best === undefined || x.ts > best.ts || (x.ts === best.ts && x.value > best.value)))
            best = x;
        return best === undefined || best.value === '' ? null : best.value;
      };
      const orders = new Map<string, string>(); // order -> work center
      for (const [wc, list] of signals) for (const x of list) if (x.value !== '') orders.set(x.value, wc);
      const lotSamples = good.filter((s) => {
        const r = tags.get(s.tag)!.role;
        return (r === 'consumed' || r === 'produced') && s.tsMs < watermark;
      });
      const coilLots = new Set(
        lotSamples.filter((s) => tags.get(s.tag)!.product === 'COIL-DC04').map((s) => String(s.value)),
      );
      const candidates: Edge[] = [];
      const instants = new Map<string, Set<number>>(); // edge key -> the ts of its lot samples
      for (const s of lotSamples) {
        const f = tags.get(s.tag)!;
        const order = runningAt(f.workCenter, s.tsMs);
        if (order === null) continue; // no order named, none running in Odoo either: refused, no edge
        const e: Edge = { kind: f.role as Edge['kind'], order, product: f.product!, lot: String(s.value) };
        candidates.push(e);
        const k = keyOf(plan.plantId, e);
        instants.set(k, new Set([...(instants.get(k) ?? []), s.tsMs]));
      }
      // Every lot sample of the day falls in an order the MES published.
      expect(candidates.length).toBe(lotSamples.length);
      // Section 13: an edge exists when Odoo took the event. Coils are received before the day
      // (below); a stack exists in Odoo once its production is posted, so a stack consumed whose
      // production is not in the day's input stays refused (an unknown lot).
      const stacks = new Set(candidates.filter((e) => e.kind === 'produced').map((e) => e.lot));
      const want = new Map<string, Edge>();
      for (const e of candidates)
        if (e.kind === 'produced' || coilLots.has(e.lot) || stacks.has(e.lot)) want.set(keyOf(plan.plantId, e), e);
      // The day has lots flowing on both levels.
      const count = (kind: string, product: string): number =>
        [...want.values()].filter((e) => e.kind === kind && e.product === product).length;
      expect(count('consumed', 'COIL-DC04')).toBeGreaterThan(100);
      expect(count('produced', 'BLANK-DC04')).toBeGreaterThan(100);
      expect(count('consumed', 'BLANK-DC04')).toBeGreaterThan(50);

      // ---- Odoo, as the plant's would be: products, BoMs, the coils received, a confirmed production per order
      const one = (ids: unknown): number => (ids as number[])[0]!;
      const product = async (code: string): Promise<number> =>
        one(await client.search('product.product', [['default_code', '=', code]]));
      const [coil, blank, panel] = [await product('COIL-DC04'), await product('BLANK-DC04'), await product('PANEL')];
      const tmpl = async (id: number): Promise<number> =>
        (
          await client.searchRead<{ product_tmpl_id: [number, string] }>(
            'product.product',
            [['id', '=', id]],
            ['product_tmpl_id'],
          )
        )[0]!.product_tmpl_id[0];
      const bom = async (of: number, component: number): Promise<number> =>
        one(
          await client.create('mrp.bom', [
            {
              product_tmpl_id: await tmpl(of),
              product_id: of,
              product_qty: 1,
              bom_line_ids: [[0, 0, { product_id: component, product_qty: 1 }]],
            },
          ]),
        );
      const blanking = await bom(blank, coil);
      const pressing = await bom(panel, blank);
      for (const lot of coilLots) await client.create('stock.lot', [{ name: lot, product_id: coil, company_id: 1 }]);
      for (const [order, wc] of orders) {
        const [productId, bomId] = wc === 'blanking-01' ? [blank, blanking] : [panel, pressing];
        const mo = one(
          await client.create('mrp.production', [
            { name: order, product_id: productId, product_qty: 1000, bom_id: bomId },
          ]),
        );
        await client.callMethod('mrp.production', 'action_confirm', [mo]);
      }

      // ---- the real path: raw topic -> run -> milestones topic -> post --kind material -> genealogy topic
      await ensureTopics(h.config, [
        { topic: material.topic, partitions: PARTITIONS },
        { topic: material.genealogyTopic, partitions: PARTITIONS, compacted: true },
        { topic: `shiftstream.${plan.plantId}.odoo-dlq`, partitions: 1 },
        { topic: `shiftstream.${plan.plantId}.odoo-audit`, partitions: 1 },
      ]);
      await h.produceSamples(samples);
      const run = await h.start({ client: 'kafkajs' });
      children.push(run);
      expect(h.expectedWatermark(samples)).toBe(watermark);
      await until(
        'every enriched partition checkpointed at the day watermark',
        300_000,
        async () => {
          const wms = await h.checkpointWatermarks();
          return wms.size === PARTITIONS && [...wms.values()].every((w) => w === watermark) ? wms : undefined;
        },
        [run],
        200,
      );
      await run.stop();
      // The last data offset per milestones partition (its end may be a transaction marker).
      const milestoneRecords = await h.readTopic(h.topology.topics.milestones);
      const lastData = new Map<number, bigint>();
      for (const r of milestoneRecords)
        if (BigInt(r.offset) + 1n > (lastData.get(r.partition) ?? 0n)) lastData.set(r.partition, BigInt(r.offset) + 1n);

      const odooEnv = {
        ...process.env,
        SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
        SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
        SHIFTSTREAM_REDIS__URL: env.redisUrl,
        SHIFTSTREAM_ODOO__URL: standin.url,
        SHIFTSTREAM_ODOO__DB: standin.db,
        SHIFTSTREAM_ODOO__LOGIN: standin.login,
        SHIFTSTREAM_ODOO__API_KEY: standin.apiKey,
        SHIFTSTREAM_REDIS__KEY_PREFIX: `test:${plan.plantId}:`,
        SHIFTSTREAM_LOG__LEVEL: 'warn',
      };
      const postPort = await freePort();
      const post = new RunProcess(
        'post-material',
        postPort,
        [
          'post',
          '--kind',
          'material',
          '--topology',
          h.topologyPath,
          '--flush-interval',
          '100ms',
          // A loaded host (shared CI) must not take the partitions away in mid-day.
          '--session-timeout',
          '30s',
          `--http.port=${postPort}`,
        ],
        odooEnv,
      );
      children.push(post);
      const group = `shiftstream.${plan.plantId}.odoo-poster-material`;
      await until(
        'post --kind material committed every milestone',
        480_000,
        async () => {
          const [committed] = await h.admin.fetchOffsets({ groupId: group, topics: [h.topology.topics.milestones] });
          const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
          return [...lastData].every(([p, end]) => (at.get(p) ?? -1n) >= end) ? true : undefined;
        },
        [post],
        500,
      );
      await post.stop();
      // Consumptions of a stack posted before the stack's production (another partition) were
      // refused as an unknown lot: replayed now that it exists. Nothing else is dead-lettered.
      const dlq = (await h.readTopic(`shiftstream.${plan.plantId}.odoo-dlq`)).map(
        (r) => JSON.parse(r.value!.toString('utf8')) as DeadLetter,
      );
      for (const d of dlq)
        expect(`${d.error.code} ${d.error.message}`).toMatch(
          /^SHIFTSTREAM_ODOO_MISSING \S+ lot_consumed \S+ BLANK-DC04 lot (STK-LOT-\d{4}-\d{6}) x250: expected a stock\.lot "\1" /,
        );
      const replayPort = await freePort();
      const replay = new RunProcess('dlq-replay', replayPort, ['dlq', 'replay', '--topology', h.topologyPath], odooEnv);
      children.push(replay);
      const replayed = await replay.exited;
      expect(replayed.code, replay.output()).toBe(0);

      // ---- the genealogy topic: last value per key
      const records = await h.readTopic(material.genealogyTopic);
      const got = new Map<string, Edge & { atMs: number }>();
      for (const r of records) {
        const key = r.key!.toString('utf8');
        if (r.value === null) got.delete(key);
        else got.set(key, JSON.parse(r.value.toString('utf8')) as Edge & { atMs: number });
      }
      const missing = [...want.keys()].filter((k) => !got.has(k)).sort();
      const extra = [...got.keys()].filter((k) => !want.has(k)).sort();
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
      for (const [k, e] of got) {
        expect(keyOf(plan.plantId, e), k).toBe(k);
        // atMs: the instant of one of the edge's events (the last one posted).
        expect(instants.get(k)!.has(e.atMs), k).toBe(true);
      }
      expect(got.size).toBe(want.size);
      console.info(
        `genealogy day: ${want.size} edges (${count('consumed', 'COIL-DC04')} coils consumed, ` +
          `${count('produced', 'BLANK-DC04')} stacks produced, ${count('consumed', 'BLANK-DC04')} stacks pressed), ` +
          `${orders.size} orders, ${lotSamples.length} lot samples, ${dlq.length} replayed from the DLQ`,
      );
    } finally {
      for (const c of children) if (c.alive) await c.kill9();
      client.close();
      await standin.stop();
      await h.close();
    }
  }, 900_000);
});
