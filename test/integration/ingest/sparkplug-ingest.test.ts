// `shiftstream ingest` from Sparkplug B: a real edge node (sparkplug-client, the Eclipse Tahu
// JavaScript client from npm) publishes NBIRTH/DBIRTH and alias-only NDATA/DDATA to the test's own
// Mosquitto; the compiled CLI writes the raw topic of the shared Kafka. On the way: a seq gap and
// an unknown alias (each answered with an NCMD rebirth request, which the edge node honours), a
// payload that is not protobuf, an absurd timestamp, a kill -9 of ingest (the births it kept let the
// next process resolve aliases without a rebirth), a DDEATH and an NDEATH (the dead devices' state
// tags get the topology's deathValue, mapped to `unknown`). The raw topic (read_committed) holds
// exactly the samples the edge node published plus the deaths, and the canonical events mapped from
// them are the expected ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { newClient } from 'sparkplug-client';
import { afterAll, describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import type { RawSample } from '../../../src/core/types.js';
import { PlantHarness, RunProcess, freePort, scrapeMetric, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';

const spb = sparkplugPayload.get('spBv1.0')!;

let h: PlantHarness | undefined;
let broker: TestMosquitto | undefined;
const children: RunProcess[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  for (const c of children) if (c.alive) await c.kill9();
  await h?.close();
  await broker?.stop();
});

const DEVICES = ['M1a', 'M2a'] as const;
/** Aliases of the births: device metrics 10.., node metrics 1..; 999 is never born. */
const ALIAS = { 'M1a.STATE': 10, 'M1a.GOOD': 11, 'M1a.HB': 12, 'M2a.STATE': 20, 'M2a.GOOD': 21, 'M2a.HB': 22 };
const NODE = 'Line1';
const STATE_OF: Record<string, string> = { '1': 'running', '2': 'idle', '5': 'down', '7': 'unknown' };

describe('ingest from Sparkplug B: a real edge node (sparkplug-client), Mosquitto and Kafka', () => {
  it('aliases, seq gap, unknown alias, bad payloads, kill -9, deaths: the raw topic holds the input', async () => {
    broker = await startMosquitto();
    h = await PlantHarness.create('ingest-spb', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const group = harness.plantId;
    const dir = join(harness.topologyPath, '..');
    const topologyPath = join(dir, 'with-sparkplug.yaml');
    writeFileSync(
      topologyPath,
      `${readFileSync(harness.topologyPath, 'utf8')}\ningest:\n  mqtt:\n    url: ${broker.url}\n` +
        `    clientId: ingest-${harness.plantId}\n    sparkplug:\n      groups: [${group}]\n` +
        `      tag: "{device}.{metric}"\n      nodeTag: "{node}.{metric}"\n` +
        `      tags: { "${NODE}.Heartbeat": M3a.HB }\n      deathValue: 7\n`,
    );
    const spool = join(dir, 'spool');
    const rejects = join(dir, 'spb-rejects.ndjson');
    const env = integrationEnv();
    let started = 0;
    const start = async (): Promise<RunProcess> => {
      const port = await freePort();
      const args = ['ingest', '--topology', topologyPath, '--spool', spool, '--rejects', rejects];
      args.push('--log-level', 'info', `--http.port=${port}`);
      const p = new RunProcess(`ingest#${++started}`, port, args, {
        ...process.env,
        SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
        SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
        SHIFTSTREAM_REDIS__URL: env.redisUrl,
      });
      children.push(p);
      await p.ready(60_000);
      return p;
    };
    let ingest = await start();

    // The observer: sees every Sparkplug message (NCMD requests, the NDEATH's timestamp) and
    // publishes the payload that is not protobuf.
    const observer = await mqtt.connectAsync(broker.url, { clientId: uniqueName('observer'), clean: true });
    cleanups.push(() => observer.endAsync());
    const seen: { type: string; payload: Buffer }[] = [];
    observer.on('message', (topic, payload) => seen.push({ type: topic.split('/')[2]!, payload }));
    await observer.subscribeAsync(`spBv1.0/${group}/#`, { qos: 0 });
    const count = (type: string): number => seen.filter((s) => s.type === type).length;

    // The edge node. `published` is every (tag, ts, value) it sent, in send order.
    const published: RawSample[] = [];
    let t = Date.UTC(2026, 2, 2, 6);
    const next = (): number => (t += 1000);
    const value: Record<string, number | boolean> = {};
    for (const d of DEVICES) Object.assign(value, { [`${d}.STATE`]: 1, [`${d}.GOOD`]: 100, [`${d}.HB`]: true });
    let heartbeat = 0;
    const edge = newClient({
      serverUrl: broker.url,
      username: '',
      password: '',
      groupId: group,
      edgeNode: NODE,
      clientId: uniqueName('edge'),
      publishDeath: true,
      version: 'spBv1.0',
    });
    let edgeStopped = false;
    cleanups.push(() => {
      if (!edgeStopped) edge.stop();
    });
    let births = 0;
    const publishBirths = (): void => {
      const ts = next();
      births++;
      edge.publishNodeBirth({
        timestamp: ts,
        metrics: [
          { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: ts },
          { name: 'Heartbeat', alias: 1, type: 'Int32', value: heartbeat, timestamp: ts },
          { name: 'Uptime', alias: 2, type: 'Int64', value: 5, timestamp: ts }, // maps to no tag
        ],
      });
      published.push({ tag: 'M3a.HB', tsMs: ts, value: heartbeat, quality: 'good' });
      for (const d of DEVICES) {
        const metrics = (['STATE', 'GOOD', 'HB'] as const).map((m) => {
          const tag = `${d}.${m}`;
          published.push({ tag, tsMs: ts, value: value[tag]!, quality: 'good' });
          const type = m === 'STATE' ? 'Int32' : m === 'GOOD' ? 'Int64' : 'Boolean';
          return { name: m, alias: ALIAS[tag as keyof typeof ALIAS], type, value: value[tag]!, timestamp: ts } as const;
        });
        edge.publishDeviceBirth(d, { timestamp: ts, metrics: [...metrics] });
      }
    };
    edge.on('birth', publishBirths);
    edge.on('ncmd', (p) => {
      if (p.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) publishBirths();
    });
    /** DDATA with aliases only (no names): one metric change per device, and a node heartbeat. */
    const data = (rounds: number): void => {
      for (let i = 0; i < rounds; i++) {
        const d = DEVICES[i % 2]!;
        const ts = next();
        const state = [1, 2, 5][i % 3]!;
        value[`${d}.STATE`] = state;
        value[`${d}.GOOD`] = (value[`${d}.GOOD`] as number) + 3;
        edge.publishDeviceData(d, {
          timestamp: ts,
          metrics: [
            { alias: ALIAS[`${d}.STATE`], type: 'Int32', value: state, timestamp: ts },
            { alias: ALIAS[`${d}.GOOD`], type: 'Int64', value: value[`${d}.GOOD`]!, timestamp: ts },
          ],
        });
        published.push({ tag: `${d}.STATE`, tsMs: ts, value: state, quality: 'good' });
        published.push({ tag: `${d}.GOOD`, tsMs: ts, value: value[`${d}.GOOD`]!, quality: 'good' });
        heartbeat++;
        edge.publishNodeData({ timestamp: ts, metrics: [{ alias: 1, type: 'Int32', value: heartbeat }] });
        published.push({ tag: 'M3a.HB', tsMs: ts, value: heartbeat, quality: 'good' });
      }
    };
    const inSpoolOut = (p: RunProcess, n: number) =>
      until(`${p.name}: ${n} samples out`, 60_000, async () =>
        (await scrapeMetric(p.httpPort, 'shiftstream_ingest_samples_out_total')) >= n ? true : undefined,
      );

    await until('edge: first births', 30_000, () => (count('DBIRTH') >= 2 ? true : undefined));
    data(12);
    await inSpoolOut(ingest, published.length);

    // A seq gap (as if a message were lost): ingest asks for a rebirth, the edge node answers.
    (edge as unknown as { seq: number }).seq += 1;
    data(1);
    await until('rebirth after the seq gap', 30_000, () => (count('NCMD') === 1 && births === 2 ? true : undefined));
    data(4);

    // An alias no birth announced: rejected, and a rebirth again.
    edge.publishDeviceData('M1a', { timestamp: next(), metrics: [{ alias: 999, type: 'Int32', value: 3 }] });
    await until('rebirth after the unknown alias', 30_000, () =>
      count('NCMD') === 2 && births === 3 ? true : undefined,
    );
    // Not protobuf, and an absurd metric timestamp.
    await observer.publishAsync(`spBv1.0/${group}/DDATA/${NODE}/M1a`, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    edge.publishDeviceData('M2a', {
      timestamp: next(),
      metrics: [{ alias: 21, type: 'Int64', value: 7, timestamp: 5 }],
    });
    data(4);
    await inSpoolOut(ingest, published.length);
    const rebirths = (p: RunProcess, reason: string) =>
      scrapeMetric(p.httpPort, 'shiftstream_ingest_sparkplug_rebirths_total', { reason });
    expect([await rebirths(ingest, 'seq-gap'), await rebirths(ingest, 'unknown-alias')]).toEqual([1, 1]);

    // kill -9, restart: the births kept in the spool directory resolve the aliases, no rebirth.
    await ingest.kill9();
    ingest = await start();
    data(6);
    await inSpoolOut(ingest, 18);
    expect(count('NCMD')).toBe(2);

    // Compressed payloads as the Tahu client writes them (SPBV1.0_COMPRESSED), GZIP and DEFLATE:
    // inflated, their seq continues the node's, their metrics are samples like the others.
    for (const algorithm of ['GZIP', 'DEFLATE'] as const) {
      const ts = next();
      value['M1a.GOOD'] = (value['M1a.GOOD'] as number) + 3;
      edge.publishDeviceData(
        'M1a',
        {
          timestamp: ts,
          metrics: [{ alias: ALIAS['M1a.GOOD'], type: 'Int64', value: value['M1a.GOOD'], timestamp: ts }],
        },
        { compress: true, algorithm },
      );
      published.push({ tag: 'M1a.GOOD', tsMs: ts, value: value['M1a.GOOD'], quality: 'good' });
    }
    await inSpoolOut(ingest, 20);
    expect(count('NCMD'), 'a compressed payload is no seq gap').toBe(2);

    // Deaths: DDEATH of M2a, then the node's NDEATH (sparkplug-client publishes it on stop).
    const ddeathTs = next();
    edge.publishDeviceDeath('M2a', { timestamp: ddeathTs, metrics: [] });
    published.push({ tag: 'M2a.STATE', tsMs: ddeathTs, value: 7, quality: 'uncertain' });
    edge.stop();
    edgeStopped = true;
    await until('the NDEATH', 30_000, () => (count('NDEATH') === 1 ? true : undefined));
    const ndeath = spb.decodePayload(seen.find((s) => s.type === 'NDEATH')!.payload);
    published.push({ tag: 'M1a.STATE', tsMs: Number(ndeath.timestamp!.toString()), value: 7, quality: 'uncertain' });

    const committed = await readRawTopic(harness, published.length);
    await ingest.stop();

    const key = (s: RawSample): string => `${s.tag}@${s.tsMs}=${String(s.value)}/${s.quality}`;
    expect(committed.map(key).sort()).toEqual(published.map(key).sort());
    // Each tag in publish order (key = tag, one partition per tag).
    for (const tag of new Set(published.map((s) => s.tag)))
      expect(committed.filter((s) => s.tag === tag).map((s) => s.tsMs)).toEqual(
        published.filter((s) => s.tag === tag).map((s) => s.tsMs),
      );
    // The canonical events these samples map to: states by the table, counters, heartbeats.
    const canonical = committed.map((s) => {
      const v = mapSample(harness.topology.plant, s);
      if (!v.ok) throw new Error(`${key(s)}: ${v.detail}`);
      return `${v.event.machineId} ${v.event.kind} ${v.event.category ?? v.event.counter ?? ''} ${v.event.tsMs}`;
    });
    const expected = published.map((s) => {
      const [machine, role] = s.tag.split('.') as [string, string];
      const m = machine.toLowerCase();
      if (role === 'STATE') return `${m} state ${STATE_OF[String(s.value)]} ${s.tsMs}`;
      if (role === 'GOOD') return `${m} counter good ${s.tsMs}`;
      return `${m} heartbeat  ${s.tsMs}`;
    });
    expect(canonical.sort()).toEqual(expected.sort());
    expect(canonical.filter((c) => c.includes(' unknown '))).toHaveLength(2);

    const rejected = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; topic: string });
    expect(rejected.map((r) => r.reason).sort()).toEqual([
      'sparkplug-decode',
      'ts-out-of-range',
      'unknown-alias',
      ...Array.from({ length: births }, () => 'unknown-tag'), // Uptime, in every NBIRTH
    ]);
  }, 300_000);
});

/** The raw topic read_committed: waits for `atLeast` records, then 3 s without another. */
