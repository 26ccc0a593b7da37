// `shiftstream ingest` from MQTT through Kafka outages that start and end while it runs: the
// compiled CLI talks to the shared Kafka through a proxy the test cuts (every connection reset, new
// ones refused) and restores; the broker itself is never touched. While Kafka is cut, QoS 1
// publishes go on: the broker's messages are acknowledged (the publishers' QoS 1 completes and the
// samples are on disk in the spool: counted from the segment files), nothing reaches Kafka. Two
// kill -9 in the middle of the outage, each restart still cut off, then recovery: every sample
// reaches the raw topic exactly once (counted by unique key), in publish order per tag, and the
// third process sends exactly what the first had not. Then a second outage inside that process.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { PlantHarness, RunProcess, freePort, scrapeMetric, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';
import { startKafkaProxy, type KafkaProxy } from '../support/kafka-proxy.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';

let h: PlantHarness | undefined;
let broker: TestMosquitto | undefined;
let proxy: KafkaProxy | undefined;
const children: RunProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.alive) await c.kill9();
  await proxy?.close();
  await h?.close();
  await broker?.stop();
});

const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'] as const;
const T0 = Date.UTC(2026, 2, 3, 6);

/** Records written to the spool so far (the next sequence number), read from its segment files. */
function spooled(dir: string): number {
  const segs = readdirSync(dir)
    .filter((n) => /^seg-\d{16}\.log$/.test(n))
    .sort();
  const last = segs[segs.length - 1];
  if (last === undefined) return 0;
  const buf = readFileSync(join(dir, last));
  let off = 0;
  let n = 0;
  while (off + 8 <= buf.length && off + 8 + buf.readUInt32LE(off) <= buf.length) {
    off += 8 + buf.readUInt32LE(off);
    n++;
  }
  return Number(last.slice(4, 20)) + n;
}

describe('ingest from MQTT through Kafka outages (a cut proxy), with kill -9 in the middle', () => {
  it('spools while Kafka is cut, drains exactly once in order after each recovery', async () => {
    broker = await startMosquitto();
    proxy = await startKafkaProxy(integrationEnv().brokers[0]!);
    h = await PlantHarness.create('ingest-outage', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const dir = join(harness.topologyPath, '..');
    const prefix = `plant/${harness.plantId}`;
    const topologyPath = join(dir, 'with-mqtt.yaml');
    writeFileSync(
      topologyPath,
      `${readFileSync(harness.topologyPath, 'utf8')}\ningest:\n  mqtt:\n    url: ${broker.url}\n` +
        `    clientId: ingest-${harness.plantId}\n    subscriptions:\n` +
        `      - filter: ${prefix}/+/+\n        tag: "{1}.{2}"\n`,
    );
    const spool = join(dir, 'spool');
    const env = integrationEnv();
    let started = 0;
    const start = async (): Promise<RunProcess> => {
      const port = await freePort();
      const args = ['ingest', '--topology', topologyPath, '--spool', spool, '--rejects', join(dir, 'rejects.ndjson')];
      args.push('--log-level', 'info', `--http.port=${port}`, `--kafka.brokers=${proxy!.address}`);
      args.push('--kafka.connectionTimeoutMs=1000', '--batch', '50');
      const p = new RunProcess(`ingest#${++started}`, port, args, {
        ...process.env,
        SHIFTSTREAM_KAFKA__BROKERS: proxy!.address,
        SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
        SHIFTSTREAM_REDIS__URL: env.redisUrl,
      });
      children.push(p);
      await p.ready(60_000);
      return p;
    };
    const pub = await mqtt.connectAsync(broker.url, { clientId: uniqueName('pub'), clean: true });
    const published: RawSample[] = [];
    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const n = published.length;
        const tag = TAGS[n % TAGS.length]!;
        const s: RawSample = { tag, tsMs: T0 + n * 1000, value: n, quality: 'good' };
        await pub.publishAsync(`${prefix}/${tag.replace('.', '/')}`, JSON.stringify({ ts: s.tsMs, value: n }), {
          qos: 1,
        });
        published.push(s);
      }
    };
    const out = (p: RunProcess) => scrapeMetric(p.httpPort, 'shiftstream_ingest_samples_out_total');
    const outReaches = (p: RunProcess, n: number) =>
      until(`${p.name}: ${n} samples out`, 90_000, async () => ((await out(p)) === n ? true : undefined), [p]);
    const spoolReaches = (p: RunProcess, n: number) =>
      until(`${p.name}: ${n} records in the spool files`, 60_000, () => (spooled(spool) === n ? true : undefined), [p]);

    // Kafka reachable: samples flow through.
    const first = await start();
    await publish(200);
    await outReaches(first, 200);

    // Cut: publishes go on and land in the spool on disk; nothing more reaches Kafka.
    proxy.cut();
    await publish(300);
    await spoolReaches(first, 500);
    expect(await out(first)).toBe(200);
    const depth = await until('ingest#1: spool depth 300', 10_000, async () =>
      (await scrapeMetric(first.httpPort, 'shiftstream_ingest_spool_depth')) === 300 ? true : undefined,
    );
    expect(depth).toBe(true);
    expect(await scrapeMetric(first.httpPort, 'shiftstream_ingest_spool_bytes')).toBeGreaterThan(300 * 20);
    // /readyz: still ready (samples are taken durably), saying Kafka is unreachable and what is spooled.
    const readyz = async (p: RunProcess) => {
      const res = await fetch(`http://127.0.0.1:${p.httpPort}/readyz`);
      const body = (await res.json()) as { checks: { name: string; ready: boolean; detail?: string }[] };
      return { status: res.status, checks: Object.fromEntries(body.checks.map((c) => [c.name, c])) };
    };
    const cutReady = await until('ingest#1: /readyz names the outage', 10_000, async () => {
      const r = await readyz(first);
      return r.checks['kafka']?.detail?.startsWith('unreachable') === true &&
        r.checks['spool']?.detail?.startsWith('300 samples') === true
        ? r
        : undefined;
    });
    expect(cutReady.status).toBe(200);
    await first.kill9();

    // Published while no ingest runs (the broker keeps them for the session); the restart is still cut off.
    await publish(100);
    const second = await start();
    await spoolReaches(second, 600);
    await publish(100);
    await spoolReaches(second, 700);
    expect(await out(second)).toBe(0);
    // A second kill -9 in the same outage, more published while nothing runs, a third process
    // still cut off.
    await second.kill9();
    await publish(50);
    const third = await start();
    await spoolReaches(third, 750);
    expect(await out(third)).toBe(0);

    // Recovery inside the third process: it sends what the first had not, and only that.
    proxy.restore();
    await outReaches(third, 550);
    expect((await readyz(third)).checks['kafka']).toEqual({
      name: 'kafka',
      ready: true,
      detail: 'producing to the raw topic',
    });

    // A second outage that starts and ends inside this process.
    proxy.cut();
    await publish(150);
    await spoolReaches(third, 900);
    proxy.restore();
    await outReaches(third, 700);
    const accepted = proxy.accepted();
    expect(accepted).toBeGreaterThan(2); // the client did reconnect through the proxy

    const committed = await readRawTopic(harness, published.length);
    await pub.endAsync();
    await third.stop();

    const key = (s: RawSample): string => `${s.tag}@${s.tsMs}=${String(s.value)}`;
    const counts = new Map<string, number>();
    for (const s of committed) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
    const missing = published.filter((s) => !counts.has(key(s))).length;
    const doubled = [...counts.values()].filter((c) => c > 1).length;
    const unexpected = [...counts.keys()].filter((k) => !published.some((s) => key(s) === k)).length;
    expect({ records: committed.length, missing, doubled, unexpected }).toEqual({
      records: 900,
      missing: 0,
      doubled: 0,
      unexpected: 0,
    });
    for (const tag of TAGS)
      expect(committed.filter((s) => s.tag === tag).map((s) => s.value)).toEqual(
        published.filter((s) => s.tag === tag).map((s) => s.value),
      );
  }, 400_000);
});

/** The raw topic read_committed (directly, not through the proxy): `atLeast` records, then 3 s quiet. */
