// Order tagging end to end on the real Kafka, registry and Redis: `orders sync` (the real code,
// against the Odoo stand-in) publishes the released work orders to the compacted orders topic;
// `shiftstream run` (child process, topology with orders.tagging) reads that table to its end
// before the first sample, tags enriched events and summaries, follows an update mid-run, and
// skips malformed orders records without stopping.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import type { MachineEvent, RawSample, WindowSummary } from '../../../src/core/types.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { createEventSink } from '../../../src/io/kafka/factory.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { odooDatetime } from '../../../src/io/odoo/productivity-records.js';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import { createOrdersSync } from '../../../src/engine/orders-sync.js';
import { createOdooWorkOrderReader } from '../../../src/io/odoo/work-order-reader.js';
import { odooTopicsOf } from '../../../src/topology/odoo-topics.js';
import type { EventSink } from '../../../src/ports/event-sink.js';
import { silentLog } from '../../../src/ports/log.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { sampleKey } from '../../support/orders.js';
import {
  collectSummaries,
  content,
  PARTITIONS,
  PlantHarness,
  plain,
  ROOT,
  scrapeMetric,
  simulatePlant,
  until,
} from '../../support/pipeline-harness.js';

const T = Date.UTC(2026, 5, 2, 4); // Tuesday 06:00 Berlin: the early shift
const H = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), 'orders-topology-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** stamping-berlin with order tagging on (the harness gives it a unique plant id). */
function taggingTopology(): string {
  const file = join(dir, 'stamping-berlin-tagging.yaml');
  writeFileSync(
    file,
    `${readFileSync(join(ROOT, 'topologies/stamping-berlin.yaml'), 'utf8')}\norders:\n ` +
      ` tagging: true\n  loadTimeout: 90s\n`,
  );
  return relative(ROOT, file);
}

/** The Odoo side: the stand-in with the topology's work centers, and the real orders sync onto Kafka. */
async function odooSide(
  h: PlantHarness,
  ordersTopic: string,
): Promise<{
  standin: OdooStandin;
  poll(): Promise<readonly string[]>;
  sink: EventSink;
  order(code: string, production: string, state: string, startMs: number | null): { moId: number; woId: number };
}> {
  const codes = [...h.topology.plant.workCenters.values()].map((w) => ({
    workCenterId: w.workCenterId,
    code: w.odooCode,
  }));
  const standin = await startOdooStandin({ version: 19, workCenters: codes.map((c) => ({ code: c.code })) });
  cleanups.push(() => standin.stop());
  const client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 5_000,
    readRetry: { initialMs: 50, maxMs: 500, multiplier: 2, maxAttempts: 4 },
  });
  const sink = createEventSink(h.config, { clientId: `orders-sync-${h.plantId}` });
  cleanups.push(() => sink.close());
  const wcIdOf = (code: string): number =>
    standin.records('mrp.workcenter').find((r) => r['code'] === code)!['id'] as number;
  let odooNow = Date.now();
  const sync = createOrdersSync({
    reader: createOdooWorkOrderReader(client),
    kv: createMemoryKeyValue(),
    sink,
    topic: ordersTopic,
    plantId: h.plantId,
    workCenters: async () => new Map(codes.map((c) => [wcIdOf(c.code), c.workCenterId])),
    nowMs: () => odooNow,
    log: silentLog,
  });
  return {
    standin,
    sink,
    async poll() {
      odooNow += 60_000;
      return (await sync.pollOnce()).published;
    },
    order(code, production, state, startMs) {
      const [moId] = standin.store.create('mrp.production', [
        { name: production, product_id: 42, product_qty: 500, state: 'progress' },
      ]);
      const [woId] = standin.store.create('mrp.workorder', [
        {
          name: `${production} press`,
          workcenter_id: wcIdOf(code),
          production_id: moId,
          state,
          ...(startMs === null ? {} : { date_start: odooDatetime(startMs) }),
        },
      ]);
      return { moId: moId!, woId: woId! };
    },
  };
}

/** The work center of a sample's tag (undefined for unknown tags). */
function workCenterOf(h: PlantHarness, s: { tag: string }): string | undefined {
  const tag = h.topology.plant.tags.get(s.tag);
  return tag === undefined ? undefined : h.topology.plant.machines.get(tag.machineId)?.workCenterId;
}

/**
 * Every enriched event carries the tag expected of its sample, and the last revision of every
 * summary equals the batch reference (per enriched partition, at its checkpointed watermark) over
 * the same samples with the same tags.
 */
async function checkTags(
  h: PlantHarness,
  samples: readonly RawSample[],
  orderOf: ReadonlyMap<string, string | null>,
): Promise<Map<string, WindowSummary>> {
  const t = h.topology.topics;
  const enriched = (await h.decodeAll<MachineEvent>(await h.readTopic(t.enriched), h.codecs.event)).filter(
    (e) => e.kind !== 'watermark',
  );
  expect(enriched.length).toBe(samples.filter((s) => mapSample(h.topology.plant, s).ok).length);
  const wrong = enriched.filter((e) => (e.runningOrder ?? null) !== orderOf.get(sampleKey(e)));
  expect(
    wrong
      .slice(0, 3)
      .map(
        (e) =>
          `${e.tag}@${new Date(e.tsMs).toISOString()}: ` +
          `${String(e.runningOrder)} != ${String(orderOf.get(sampleKey(e)))}`,
      ),
    `${wrong.length} events with another tag`,
  ).toEqual([]);

  const summaries = await collectSummaries(h);
  expect(summaries.conflicts).toEqual([]);
  const watermarks = await h.checkpointWatermarks();
  const mismatches: string[] = [];
  let compared = 0;
  for (const [partition, wcs] of h.workCentersByPartition()) {
    const wm = watermarks.get(partition);
    expect(wm, `checkpointed watermark of enriched partition ${partition}`).toBeDefined();
    const mine = samples.filter((s) => wcs.has(workCenterOf(h, s) ?? ''));
    const want = new Map<string, WindowSummary>();
    for (const s of computeWindowSummaries(mine, h.topology.plant, {
      watermarkMs: wm!,
      runningOrder: (e) => orderOf.get(sampleKey(e)) ?? null,
    })) {
      want.set(`${s.windowName}/${s.windowId}/${s.workCenterId}`, s);
    }
    for (const [key, ref] of want) {
      compared++;
      const got = summaries.last.get(key);
      if (got === undefined || !isDeepStrictEqual(plain(content(got)), plain(content(ref))))
        mismatches.push(`${key}: expected ${JSON.stringify(ref.orders)}, found ${JSON.stringify(got?.orders)}`);
    }
  }
  expect(mismatches.slice(0, 5), `${mismatches.length} summaries differ from the reference`).toEqual([]);
  expect(compared).toBe(summaries.last.size);
  return summaries.last;
}

describe(
  'run with order tagging (child process, real Kafka, ' + 'registry, Redis; orders sync against the Odoo stand-in)',
  () => {
    it(
      'kafkajs: tags from the table read at start, then ' + 'from an update mid-run; summaries carry the orders',
      async () => {
        const h = await PlantHarness.create('orders', taggingTopology());
        cleanups.push(() => h.close());
        expect(h.topology.orders.tagging).toBe(true);
        const ordersTopic = h.topology.orders.topic;
        expect(ordersTopic).toBe(`shiftstream.${h.plantId}.orders`);
        expect(odooTopicsOf(h.topology).orders).toBe(ordersTopic); // orders sync writes where run reads
        await ensureTopics(h.config, [{ topic: ordersTopic, partitions: PARTITIONS, compacted: true }]);
        const odoo = await odooSide(h, ordersTopic);

        // The table before the start: press-line-1 runs MO/A from T and MO/B from T+1h (and has MO/X
        // released, not started); press-02's MO/C is released only.
        odoo.order('PL-01', 'MO/A', 'progress', T);
        const b = odoo.order('PL-01', 'MO/B', 'progress', T + H);
        odoo.order('PL-01', 'MO/X', 'ready', null);
        const c = odoo.order('SP-02', 'MO/C', 'ready', null);
        expect([...(await odoo.poll())].sort()).toEqual(['press-02', 'press-line-1']);

        const input = simulatePlant(h.topology, {
          seed: 17,
          startMs: T,
          untilMs: T + 3 * H,
          lateShare: 0,
          badShare: 0.001,
          outOfOrderShare: 0.02,
        });
        const cut = input.samples.findIndex((s) => s.tsMs >= T + 1.5 * H && s.tsMs <= T + 3 * H);
        const first = input.samples.slice(0, cut);
        const second = input.samples.slice(cut);
        await h.produceSamples(first);
        const proc = await h.start({ client: 'kafkajs' });
        await h.waitProcessed([proc], 120_000);
        expect(await scrapeMetric(proc.httpPort, 'shiftstream_orders_records_total', { outcome: 'applied' })).toBe(2);

        // In Odoo: MO/B is finished, MO/D starts at T+2h on press-line-1, MO/C started at T+1h.
        odoo.standin.store.write('mrp.workorder', [b.woId], { state: 'done' });
        odoo.order('PL-01', 'MO/D', 'progress', T + 2 * H);
        odoo.standin.store.write('mrp.workorder', [c.woId], { state: 'progress', date_start: odooDatetime(T + H) });
        expect([...(await odoo.poll())].sort()).toEqual(['press-02', 'press-line-1']);
        await until(
          'run applied the update',
          60_000,
          async () =>
            (await scrapeMetric(proc.httpPort, 'shiftstream_orders_records_total', { outcome: 'applied' })) === 4
              ? true
              : undefined,
          [proc],
        );
        await h.produceSamples(second);
        await h.waitProcessed([proc], 120_000);
        await proc.stop();

        const expected = (s: RawSample, inFirst: boolean): string | null => {
          const wc = workCenterOf(h, s);
          if (wc === 'press-line-1') {
            if (s.tsMs < T) return null;
            if (inFirst) return s.tsMs >= T + H ? 'MO/B' : 'MO/A';
            return s.tsMs >= T + 2 * H ? 'MO/D' : 'MO/A';
          }
          if (wc === 'press-02') return !inFirst && s.tsMs >= T + H ? 'MO/C' : null;
          return null;
        };
        const orderOf = new Map<string, string | null>();
        for (const s of first) if (!orderOf.has(sampleKey(s))) orderOf.set(sampleKey(s), expected(s, true));
        for (const s of second) if (!orderOf.has(sampleKey(s))) orderOf.set(sampleKey(s), expected(s, false));
        const last = await checkTags(h, input.samples, orderOf);

        const quarter = (wc: string, startMs: number): readonly string[] | undefined =>
          last.get(`15m/${new Date(startMs).toISOString()}/${wc}`)?.orders;
        expect(quarter('press-line-1', T)).toEqual(['MO/A']);
        expect(quarter('press-line-1', T + H)).toEqual(['MO/B']); // the table read at start
        expect(quarter('press-line-1', T + 1.75 * H)).toEqual(['MO/A']); // after the update: MO/B done
        expect(quarter('press-line-1', T + 2 * H)).toEqual(['MO/D']);
        expect(quarter('press-02', T + 2 * H)).toEqual(['MO/C']);
        expect(quarter('laser-01', T + 2 * H)).toEqual([]);
      },
      420_000,
    );

    it(
      'rdkafka: malformed orders records (before the start and ' +
        'mid-run) are counted and skipped; the work center keeps its list',
      async () => {
        const h = await PlantHarness.create('orders-bad', taggingTopology());
        cleanups.push(() => h.close());
        const ordersTopic = h.topology.orders.topic;
        await ensureTopics(h.config, [{ topic: ordersTopic, partitions: PARTITIONS, compacted: true }]);
        const odoo = await odooSide(h, ordersTopic);
        odoo.order('LC-01', 'MO/L', 'progress', T - H);
        expect(await odoo.poll()).toEqual(['laser-01']);
        // Keyed like the real snapshots, so they land on the same partition after them.
        const bad = (value: string): { topic: string; key: string; value: Buffer } => ({
          topic: ordersTopic,
          key: 'laser-01',
          value: Buffer.from(value),
        });
        await odoo.sink.send([
          bad('{"version": 1, "workOrders": ['),
          bad(JSON.stringify({ version: 2, plantId: h.plantId, workCenterId: 'laser-01', workOrders: [] })),
        ]);

        const input = simulatePlant(h.topology, {
          seed: 23,
          startMs: T,
          untilMs: T + 1.5 * H,
          lateShare: 0,
          badShare: 0,
          outOfOrderShare: 0.02,
        });
        const half = Math.floor(input.samples.length / 2);
        await h.produceSamples(input.samples.slice(0, half));
        const proc = await h.start({ client: 'rdkafka' });
        await h.waitProcessed([proc], 120_000);
        expect(await scrapeMetric(proc.httpPort, 'shiftstream_orders_records_total', { outcome: 'bad' })).toBe(2);
        await odoo.sink.send([bad('not json at all')]);
        await until(
          'run counted the mid-run bad record',
          60_000,
          async () =>
            (await scrapeMetric(proc.httpPort, 'shiftstream_orders_records_total', { outcome: 'bad' })) === 3
              ? true
              : undefined,
          [proc],
        );
        await h.produceSamples(input.samples.slice(half));
        await h.waitProcessed([proc], 120_000);
        expect(await scrapeMetric(proc.httpPort, 'shiftstream_orders_records_total', { outcome: 'applied' })).toBe(1);
        await proc.stop();
        expect(proc.output()).toContain('orders record skipped');

        const orderOf = new Map(
          input.samples.map((s) => [sampleKey(s), workCenterOf(h, s) === 'laser-01' ? 'MO/L' : null] as const),
        );
        const last = await checkTags(h, input.samples, orderOf);
        expect(last.get(`15m/${new Date(T + H).toISOString()}/laser-01`)?.orders).toEqual(['MO/L']);
      },
      420_000,
    );
  },
);
