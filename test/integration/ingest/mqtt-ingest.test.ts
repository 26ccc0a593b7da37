// `shiftstream ingest` from MQTT (the test's own Mosquitto) into real Kafka through the spool.
// Kafka is unreachable for the first two processes (they point at a port nobody listens on), and
// both are killed with SIGKILL while spooling; messages published while no ingest runs wait in the
// broker (persistent session). The third process has Kafka: the raw topic (read_committed) then
// holds every published sample exactly once, 0 missing, 0 doubled, each tag's samples in publish
// order; the bad messages (malformed JSON, unknown tag, absurd ts) are in the rejects file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { PlantHarness, RunProcess, freePort, scrapeMetric, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';

let h: PlantHarness | undefined;
let broker: TestMosquitto | undefined;
const children: RunProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.alive) await c.kill9();
  await h?.close();
  await broker?.stop();
});

const TAGS = ['M1a.HB', 'M2a.HB', 'M3a.HB', 'M4a.HB'] as const;
const T0 = Date.UTC(2026, 2, 2, 6);

describe('ingest from MQTT: spool through a Kafka outage and two kill -9 (real Mosquitto, Kafka)', () => {
  it('every acknowledged sample reaches the raw topic exactly once, in order per tag', async () => {
    broker = await startMosquitto();
    h = await PlantHarness.create('ingest-mqtt', 'test/unit/replay/test-plant.yaml');
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
    const rejects = join(dir, 'mqtt-rejects.ndjson');
    const env = integrationEnv();
    const deadKafka = `127.0.0.1:${await freePort()}`;
    const childEnv = {
      ...process.env,
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
    };
    let started = 0;
    const start = async (brokers: string): Promise<RunProcess> => {
      const port = await freePort();
      const args = ['ingest', '--topology', topologyPath, '--spool', spool, '--rejects', rejects];
      args.push('--log-level', 'info', `--http.port=${port}`, `--kafka.brokers=${brokers}`);
      args.push('--kafka.connectionTimeoutMs=1000');
      const p = new RunProcess(`ingest#${++started}`, port, args, { ...childEnv, SHIFTSTREAM_KAFKA__BROKERS: brokers });
      children.push(p);
      await p.ready(60_000); // registry, spool, mqtt subscribed
      return p;
    };
    const pub = await mqtt.connectAsync(broker.url, { clientId: uniqueName('pub'), clean: true });
    const published: RawSample[] = [];
    let n = 0;
    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++, n++) {
        const tag = TAGS[n % TAGS.length]!;
        const s: RawSample = { tag, tsMs: T0 + n * 1000, value: n, quality: 'good' };
        await pub.publishAsync(`${prefix}/${tag.replace('.', '/')}`, JSON.stringify({ ts: s.tsMs, value: n }), {
          qos: 1,
        });
        published.push(s);
      }
    };
    const depth = (p: RunProcess) => scrapeMetric(p.httpPort, 'shiftstream_ingest_spool_depth');

    // 1: Kafka down; samples go to the spool only; kill -9 while spooling.
    const first = await start(deadKafka);
    await publish(300);
    await until('ingest#1 spooled 300', 60_000, async () => ((await depth(first)) === 300 ? true : undefined), [first]);
    await pub.publishAsync(`${prefix}/M1a/HB`, '{"ts": 1774745998120, "value": ', { qos: 1 }); // malformed JSON
    await pub.publishAsync(`${prefix}/NOPE/HB`, JSON.stringify({ ts: T0, value: 1 }), { qos: 1 }); // unknown tag
    await pub.publishAsync(`${prefix}/M2a/HB`, JSON.stringify({ ts: 5, value: 1 }), { qos: 1 }); // absurd ts
    await publish(50);
    await first.kill9();

    // 2: published while no ingest runs: the broker keeps them; again Kafka down, again kill -9.
    await publish(300);
    const second = await start(deadKafka);
    await until('ingest#2 spooled 650', 60_000, async () => ((await depth(second)) === 650 ? true : undefined), [
      second,
    ]);
    await publish(100);
    await second.kill9();

    // 3: Kafka back: the spool drains in order, then live samples follow.
    await publish(150);
    const third = await start(env.brokers.join(','));
    await publish(100);
    const committed = await readRawTopic(harness, published.length, { timeoutMs: 180_000 });
    await until('ingest#3: spool drained', 60_000, async () => ((await depth(third)) === 0 ? true : undefined), [
      third,
    ]);
    await pub.endAsync();
    await third.stop();

    const key = (s: RawSample): string => `${s.tag}@${s.tsMs}=${String(s.value)}`;
    const want = new Map(published.map((s) => [key(s), 0]));
    let doubled = 0;
    let unexpected = 0;
    for (const s of committed) {
      const c = want.get(key(s));
      if (c === undefined) unexpected++;
      else {
        if (c > 0) doubled++;
        want.set(key(s), c + 1);
      }
    }
    const missing = [...want.values()].filter((c) => c === 0).length;
    expect({ records: committed.length, missing, doubled, unexpected }).toEqual({
      records: published.length,
      missing: 0,
      doubled: 0,
      unexpected: 0,
    });
    // Key = tag, so each tag is on one partition: in publish order there.
    for (const tag of TAGS) {
      const values = committed.filter((s) => s.tag === tag).map((s) => s.value as number);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    const rejected = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; topic: string });
    expect(rejected.map((r) => r.reason).sort()).toEqual(['malformed-json', 'ts-out-of-range', 'unknown-tag']);
  }, 300_000);
});

/** The raw topic read_committed: waits for `atLeast` records, then 3 s without another. */
