// `shiftstream ingest` from Sparkplug B DataSet metrics: a real edge node (sparkplug-client, the
// Eclipse Tahu JavaScript client from npm, whose sparkplug-payload encoder writes the DataSets)
// publishes births and DDATA with DataSet metrics to the test's own Mosquitto; the compiled CLI
// writes the raw topic of the shared Kafka. A one-row DataSet (Int32, Int64, Boolean and String
// columns) takes the metric's timestamp; a DataSet of several rows takes each row's ts from the
// timestamp column the topology names. On the way: a DataSet of several rows without a timestamp
// column, two rows with one ts, a null cell and a Bytes column, each rejected with its reason while
// the rest of the payload flows. The raw topic (read_committed) holds exactly the expected samples,
// every (tag, ts, value) once, and the rejects file and the reject counter exactly the expected
// reasons.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newClient } from 'sparkplug-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { PlantHarness, RunProcess, freePort, scrapeMetric, until } from '../../support/pipeline-harness.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';
import { startMosquitto, type TestMosquitto } from '../support/mosquitto.js';

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

const NODE = 'Cell1';
/** DataSet 'Prod' of M1a: one row; its columns map to M1a's tags. */
const PROD = { columns: ['STATE', 'GOOD', 'HB', 'REASON'], types: ['Int32', 'Int64', 'Boolean', 'String'] };
/** DataSet 'Log' of M2a: rows with their own ts. */
const LOG = { columns: ['ts', 'STATE', 'GOOD'], types: ['DateTime', 'Int32', 'UInt32'] };

describe('ingest from Sparkplug B DataSets: a real edge node (sparkplug-client), Mosquitto and Kafka', () => {
  it('one sample per cell, at the metric ts or the row ts column; bad tables and cells rejected', async () => {
    broker = await startMosquitto();
    h = await PlantHarness.create('ingest-spds', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const group = harness.plantId;
    const dir = join(harness.topologyPath, '..');
    const topologyPath = join(dir, 'with-datasets.yaml');
    const tags = [
      ...PROD.columns.map((c) => `"M1a.Prod/${c}": M1a.${c}`),
      ...LOG.columns.slice(1).map((c) => `"M2a.Log/${c}": M2a.${c}`),
    ];
    writeFileSync(
      topologyPath,
      `${readFileSync(harness.topologyPath, 'utf8')}\ningest:\n  mqtt:\n    url: ${broker.url}\n` +
        `    clientId: ingest-${harness.plantId}\n    sparkplug:\n      groups: [${group}]\n` +
        `      tag: "{device}.{metric}"\n      tags: { ${tags.join(', ')} }\n` +
        '      datasets: { Log: { timestampColumn: ts } }\n',
    );
    const spool = join(dir, 'spool');
    const rejects = join(dir, 'spds-rejects.ndjson');
    const env = integrationEnv();
    const port = await freePort();
    const args = ['ingest', '--topology', topologyPath, '--spool', spool, '--rejects', rejects];
    args.push('--log-level', 'info', `--http.port=${port}`);
    const ingest = new RunProcess('ingest', port, args, {
      ...process.env,
      SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
    });
    children.push(ingest);
    await ingest.ready(60_000);

    // `expected` is every (tag, ts, value) the raw topic must hold; `reasons` every reject.
    const expected: RawSample[] = [];
    const reasons: string[] = [];
    let t = Date.UTC(2026, 2, 2, 6);
    const next = (): number => (t += 1000);
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
    let births = 0;
    cleanups.push(() => edge.stop());
    const dataset = (columns: string[], types: string[], rows: unknown[][]) => ({
      numOfColumns: columns.length,
      columns,
      types,
      rows,
    });
    let good1 = 100;
    let good2 = 500;
    /** M1a's one-row 'Prod' at the metric's ts; the samples it must give. */
    const prod = (state: number, hb: boolean, reason: string) => {
      const ts = next();
      good1 += 3;
      const row = [state, good1, hb, reason];
      PROD.columns.forEach((c, j) => expected.push({ tag: `M1a.${c}`, tsMs: ts, value: row[j]!, quality: 'good' }));
      return { name: 'Prod', type: 'DataSet', value: dataset(PROD.columns, PROD.types, [row]), timestamp: ts } as const;
    };
    /** M2a's 'Log' of `n` rows, each with its own ts (before the metric's); the samples it must give. */
    const log = (n: number) => {
      const rows: unknown[][] = [];
      for (let i = 0; i < n; i++) {
        const ts = next();
        good2 += 2;
        const state = [1, 2, 5][i % 3]!;
        rows.push([ts, state, good2]);
        expected.push({ tag: 'M2a.STATE', tsMs: ts, value: state, quality: 'good' });
        expected.push({ tag: 'M2a.GOOD', tsMs: ts, value: good2, quality: 'good' });
      }
      return { name: 'Log', type: 'DataSet', value: dataset(LOG.columns, LOG.types, rows), timestamp: next() } as const;
    };
    edge.on('birth', () => {
      births++;
      const ts = next();
      edge.publishNodeBirth({
        timestamp: ts,
        metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: ts }],
      });
      edge.publishDeviceBirth('M1a', { timestamp: ts, metrics: [prod(1, true, 'none')] });
      edge.publishDeviceBirth('M2a', { timestamp: ts, metrics: [log(1)] });
    });
    await until('edge: births', 30_000, () => (births === 1 ? true : undefined));

    edge.publishDeviceData('M1a', { timestamp: next(), metrics: [prod(2, true, 'jam')] });
    edge.publishDeviceData('M2a', { timestamp: next(), metrics: [log(3)] });
    edge.publishDeviceData('M1a', { timestamp: next(), metrics: [prod(5, false, 'tool change')] });

    // Several rows and no timestamp column for 'Prod': the DataSet is rejected; the HB beside it flows.
    const hbTs = next();
    edge.publishDeviceData('M1a', {
      timestamp: hbTs,
      metrics: [
        {
          name: 'Prod',
          type: 'DataSet',
          value: dataset(PROD.columns, PROD.types, [
            [1, 1, true, 'a'],
            [2, 2, false, 'b'],
          ]),
        },
        { name: 'Prod/HB', type: 'Boolean', value: true },
      ],
    });
    expected.push({ tag: 'M1a.HB', tsMs: hbTs, value: true, quality: 'good' });
    reasons.push('dataset-shape');

    // Two rows with one ts (neither kept), a null cell (the row's other cell kept), and a Bytes
    // column (rejected once; the other columns kept).
    const dup = next();
    const nullAt = next();
    good2 += 2;
    expected.push({ tag: 'M2a.GOOD', tsMs: nullAt, value: good2, quality: 'good' });
    const withBlob = next();
    expected.push({ tag: 'M2a.STATE', tsMs: withBlob, value: 2, quality: 'good' });
    edge.publishDeviceData('M2a', {
      timestamp: next(),
      metrics: [
        {
          name: 'Log',
          type: 'DataSet',
          value: dataset(LOG.columns, LOG.types, [
            [dup, 1, 1],
            [dup, 2, 2],
            [nullAt, null, good2],
          ]),
        },
      ],
    });
    reasons.push('dataset-shape', 'null-cell');
    edge.publishDeviceData('M2a', {
      timestamp: next(),
      metrics: [
        {
          name: 'Log',
          type: 'DataSet',
          value: dataset(['ts', 'STATE', 'blob'], ['DateTime', 'Int32', 'Bytes'], [[withBlob, 2, new Uint8Array([1])]]),
        },
      ],
    });
    reasons.push('unsupported-datatype');
    edge.publishDeviceData('M2a', { timestamp: next(), metrics: [log(2)] });

    const committed = await readRawTopic(harness, expected.length);
    const key = (s: RawSample): string => `${s.tag}@${s.tsMs}=${JSON.stringify(s.value)}/${s.quality}`;
    expect(committed.map(key).sort()).toEqual(expected.map(key).sort());
    expect(new Set(committed.map(key)).size, 'every (tag, ts, value) once').toBe(committed.length);

    const rejected = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; detail: string });
    expect(rejected.map((r) => r.reason).sort()).toEqual([...reasons].sort());
    expect(rejected.find((r) => r.reason === 'null-cell')?.detail).toContain(
      "metric 'Log' (alias none) row 3 of 3 column 'STATE' (Int32): expected a value, found none (null)",
    );
    expect(rejected.find((r) => r.reason === 'unsupported-datatype')?.detail).toContain(
      "column 'blob': expected a column of a basic type",
    );
    for (const reason of new Set(reasons))
      expect(
        await scrapeMetric(ingest.httpPort, 'shiftstream_ingest_rejects_total', { input: 'sparkplug', reason }),
        reason,
      ).toBe(reasons.filter((r) => r === reason).length);
    await ingest.stop();
  }, 240_000);
});
