// `shiftstream ingest` as a Sparkplug 3.0 Host Application (`ingest.mqtt.sparkplug.hostId`,
// docs/ingest.md "Host STATE"), against the test's own Mosquitto, watched by a plain MQTT client
// standing in for an edge node configured with this primary host (it reads the retained STATE
// and the will, as such an edge node does before its births):
// - once subscribed, ingest publishes {"online":true,"timestamp":T1} retained, QoS 1;
// - kill -9: the broker publishes the will {"online":false,"timestamp":T1}, retained;
// - a restart publishes online with a newer T2;
// - an offline STATE for its id published by someone else is answered with online T2 again;
// - SIGTERM: a last {"online":false} with the current time, retained, before the DISCONNECT.
// The edge node's data published once the host is online reaches the raw topic.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, describe, expect, it } from 'vitest';
import { PlantHarness, RunProcess, freePort, scrapeMetric, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { readRawTopic } from '../support/raw-topic.js';

const spb = sparkplugPayload.get('spBv1.0')!;
let h: PlantHarness | undefined;
let broker: TestMosquitto | undefined;
const children: RunProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
  for (const c of children) if (c.alive) await c.kill9();
  await h?.close();
  await broker?.stop();
});

interface State {
  online: boolean;
  timestamp: number;
  retain: boolean;
}

describe('ingest as a Sparkplug host application: STATE birth, will, republish, clean stop', () => {
  it('publishes the STATE the way an edge node with this primary host expects it', async () => {
    broker = await startMosquitto();
    h = await PlantHarness.create('ingest-host', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const group = harness.plantId;
    const hostId = uniqueName('host');
    const stateTopic = `spBv1.0/STATE/${hostId}`;
    const dir = join(harness.topologyPath, '..');
    const topologyPath = join(dir, 'with-host.yaml');
    writeFileSync(
      topologyPath,
      `${readFileSync(harness.topologyPath, 'utf8')}\ningest:\n  mqtt:\n    url: ${broker.url}\n` +
        `    clientId: ingest-${harness.plantId}\n    sparkplug:\n      groups: [${group}]\n` +
        `      hostId: ${hostId}\n`,
    );
    const env = integrationEnv();
    let started = 0;
    const start = async (): Promise<RunProcess> => {
      const port = await freePort();
      const args = [
        'ingest',
        '--topology',
        topologyPath,
        '--spool',
        join(dir, 'spool'),
        '--rejects',
        join(dir, 'rejects.ndjson'),
        `--http.port=${port}`,
      ];
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

    // The edge node's view: every STATE message of this host, retained ones included.
    const edge = await mqtt.connectAsync(broker.url, { clientId: uniqueName('edge'), clean: true });
    cleanups.push(() => edge.endAsync());
    const states: State[] = [];
    edge.on('message', (topic, payload, packet) => {
      if (topic !== stateTopic) return;
      const s = JSON.parse(payload.toString('utf8')) as { online: boolean; timestamp: number };
      expect(Object.keys(s).sort()).toEqual(['online', 'timestamp']);
      states.push({ ...s, retain: packet.retain });
    });
    await edge.subscribeAsync(stateTopic, { qos: 1 });
    const nextState = (from: number, what: string): Promise<State> =>
      until(what, 30_000, () => states.slice(from).at(0));

    const before = Date.now();
    let ingest = await start();
    const birth1 = await nextState(0, 'the first STATE birth');
    expect(birth1.online).toBe(true);
    expect(birth1.timestamp).toBeGreaterThanOrEqual(before - 1_000);

    // The edge node births and publishes once the host is online; the data reaches Kafka.
    const T = Date.UTC(2026, 2, 2, 6);
    const publish = (type: string, device: string, p: Parameters<typeof spb.encodePayload>[0]) =>
      edge.publishAsync(`spBv1.0/${group}/${type}/Line1${device}`, Buffer.from(spb.encodePayload(p)), { qos: 0 });
    await publish('NBIRTH', '', { timestamp: T, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] });
    await publish('DBIRTH', '/M1a', {
      timestamp: T,
      seq: 1,
      metrics: [{ name: 'GOOD', alias: 1, type: 'Int64', value: 5 }],
    });
    await publish('DDATA', '/M1a', { timestamp: T + 1000, seq: 2, metrics: [{ alias: 1, type: 'Int64', value: 8 }] });
    await until('2 samples out', 30_000, async () =>
      (await scrapeMetric(ingest.httpPort, 'shiftstream_ingest_samples_out_total')) >= 2 ? true : undefined,
    );

    // kill -9: the will, with the birth's timestamp, retained (a late subscriber sees it too).
    let n = states.length;
    await ingest.kill9();
    const will = await nextState(n, 'the will after kill -9');
    expect(will).toEqual({ online: false, timestamp: birth1.timestamp, retain: false });
    const late = await mqtt.connectAsync(broker.url, { clientId: uniqueName('late'), clean: true });
    cleanups.push(() => late.endAsync());
    const retained = new Promise<State>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ ...(JSON.parse(payload.toString('utf8')) as State), retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(stateTopic, { qos: 1 });
    expect(await retained).toEqual({ online: false, timestamp: birth1.timestamp, retain: true });

    // Restart: online again, with a newer timestamp (a new CONNECT, a new will).
    n = states.length;
    ingest = await start();
    const birth2 = await until('a birth after the restart', 30_000, () => states.slice(n).find((s) => s.online));
    expect(birth2.timestamp).toBeGreaterThan(birth1.timestamp);

    // Someone publishes an offline STATE for this host id: ingest answers with its birth again.
    n = states.length;
    await edge.publishAsync(stateTopic, JSON.stringify({ online: false, timestamp: 1 }), { qos: 1, retain: true });
    const again = await until('the birth republished', 30_000, () => states.slice(n).find((s) => s.online));
    expect(again.timestamp).toBe(birth2.timestamp);

    // A clean stop: an offline STATE with the current time, retained.
    n = states.length;
    const stopAt = Date.now();
    await ingest.stop();
    const death = await until('the STATE death on a clean stop', 30_000, () => states.slice(n).find((s) => !s.online));
    expect(death.timestamp).toBeGreaterThanOrEqual(stopAt - 1_000);
    expect(death.timestamp).toBeGreaterThan(birth2.timestamp);

    const raw = await readRawTopic(harness, 2);
    expect(raw.map((s) => [s.tag, s.tsMs, s.value])).toEqual([
      ['M1a.GOOD', T, 5],
      ['M1a.GOOD', T + 1000, 8],
    ]);
  }, 180_000);
});
