// Historian -> Kafka -> summaries, the documented backfill path (issue 11, docs/ingest.md "Backfill"):
// `shiftstream ingest --input export.csv.gz`, then `shiftstream run --event-time-only`, both the
// compiled CLI in child processes on the real Kafka, registry and Redis; the window and shift
// summaries on the topics equal, figure for figure, what `shiftstream replay` writes for the same
// file. The export is one work center's 8 tags, which hash to raw partitions 0, 1 and 3 of 4: raw
// partition 2 gets no sample, so without the end-of-input markers (docs/semantics.md section 6.1)
// its aligned watermark stays at -Infinity and nothing would close (the unit test
// test/unit/engine/raw-watermark-markers.test.ts shows that case on the embedded log). Here the
// test asserts that partition 2 holds nothing but the marker, and that every raw partition ends
// with exactly one marker carrying replay's highest ts. Then `shiftstream post` (compiled CLI) into
// the Odoo stand-in: its productivity rows are exactly those replay's shift summaries give.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { MARKER_HEADER, WATERMARK_MARKER_TAG } from '../../../src/core/raw-markers.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { partitionForKey } from '../../../src/io/memory/index.js';
import { samplesToCsv } from '../../../src/sim/export.js';
import {
  collectSummaries,
  PARTITIONS,
  PlantHarness,
  RunProcess,
  freePort,
  plain,
  until,
} from '../../support/pipeline-harness.js';
import { ensureTopics } from '../../../src/io/kafka/admin.js';
import { startOdooStandin, type OdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { withoutNullOrderKeys } from '../../support/attribution.js';
import { generateExport } from '../../unit/replay/export-fixture.js';
import { expectedProductivityRows, productivityRowDiff } from '../support/productivity-rows.js';
import { eventually, integrationEnv, uniqueName } from '../support/env.js';

const START = Date.UTC(2026, 2, 2, 4, 50); // 05:50 Berlin, 10 minutes before the early shift
const END = Date.UTC(2026, 2, 2, 21, 20); // 22:20 Berlin: the early and the late shift close
const EMPTY = 2;

let h: PlantHarness | undefined;
let standin: OdooStandin | undefined;
const children: RunProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.alive) await c.kill9();
  await h?.close();
  await standin?.stop();
});

const readNdjson = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/** Last revision per `<windowName>/<windowId>/<workCenterId>`. */
function lastOf(summaries: readonly WindowSummary[]): Map<string, unknown> {
  const last = new Map<string, WindowSummary>();
  for (const s of summaries) {
    const key = `${s.windowName}/${s.windowId}/${s.workCenterId}`;
    const prev = last.get(key);
    if (prev === undefined || prev.revision < s.revision) last.set(key, s);
  }
  // JSON and Avro spell a no-order interval differently (absent or null keys): the same figures.
  return new Map([...last].map(([k, s]) => [k, plain(withoutNullOrderKeys(s))]));
}

interface RawRecord {
  readonly partition: number;
  readonly key: string | null;
  readonly headers: Record<string, string>;
  readonly sample: RawSample;
}

/** The raw topic read_committed, decoded: waits for `atLeast` records, then for 3 s without another. */
async function readRaw(harness: PlantHarness, atLeast: number): Promise<RawRecord[]> {
  const kafka = new Kafka({
    clientId: uniqueName('backfill-read'),
    brokers: [...harness.config.kafka.brokers],
    logLevel: logLevel.NOTHING,
  });
  const groupId = uniqueName(`read-${harness.plantId}`);
  const consumer = kafka.consumer({ groupId, maxBytes: 64 << 20 });
  const got: { partition: number; key: string | null; headers: Record<string, string>; value: Buffer }[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: harness.topology.topics.raw, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (m.value === null) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          got.push({ partition: batch.partition, key: m.key?.toString('utf8') ?? null, headers, value: m.value });
        }
        lastAt = Date.now();
      },
    });
    await until(`raw topic: ${atLeast} records`, 120_000, () => (got.length >= atLeast ? true : undefined));
    await until('raw topic: 3 s without another record', 60_000, () =>
      Date.now() - lastAt > 3_000 ? true : undefined,
    );
  } finally {
    await consumer.disconnect();
    await harness.admin.deleteGroups([groupId]).catch(() => undefined);
  }
  await harness.codecs.prepare(got.map((g) => g.value));
  return got.map((g) => {
    const d = harness.codecs.raw.decode(g.value);
    if (!d.ok) throw new Error(`raw record on partition ${g.partition}: expected a RawSample, found: ${d.detail}`);
    return { partition: g.partition, key: g.key, headers: g.headers, sample: d.value };
  });
}

describe('backfill: ingest --input, run --event-time-only, post; summaries and Odoo equal replay', () => {
  it('tags that leave a raw partition empty: the markers close exactly what replay closes', async () => {
    h = await PlantHarness.create('backfill', 'test/integration/ingest/backfill-plant.yaml');
    const harness = h;
    const plan = harness.topology.plant;
    // Out of order within the bound (20 s < outOfOrderness 30 s), exact duplicates, silences, rollovers.
    const samples = generateExport({
      seed: 41,
      startMs: START,
      endMs: END,
      workCenters: 1,
      meanGapMs: 900,
      shuffleMs: 20_000,
    });
    const partitions = new Set([...new Set(samples.map((s) => s.tag))].map((t) => partitionForKey(Buffer.from(t), 4)));
    expect([...partitions].sort(), 'the export leaves one raw partition without a tag').toEqual([0, 1, 3]);
    const dir = join(harness.topologyPath, '..');
    const input = join(dir, 'export.csv.gz');
    // ISO timestamps with the plant's offset, as a historian writes them, and two bad rows.
    const csv = samplesToCsv(samples, { ts: 'iso', isoOffsetMinutes: 60 }).split('\n');
    csv.splice(1_000, 0, 'yesterday,M1a.STATE,1,good');
    csv.splice(30_000, 0, '2026-03-02T12:00:00+01:00,NOPE,1,good');
    writeFileSync(input, gzipSync(csv.join('\n')));

    // replay: the reference.
    const out = join(dir, 'replay');
    const err: string[] = [];
    const code = await main(
      ['replay', '--topology', harness.topologyPath, '--input', input, '--out', out, '--no-progress'],
      {
        stdout: { write: () => true } as never,
        stderr: { write: (s: string) => err.push(s) } as never,
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    expect(code, err.join('')).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, 'replay-stats.json'), 'utf8')) as {
      samplesRead: number;
      maxTsMs: number;
      watermarkMs: number;
      rejected: number;
      rejectedByReason: Record<string, number>;
    };
    expect(stats.rejectedByReason).toMatchObject({ 'invalid-ts': 1, 'unknown-tag': 1 });
    const replayed = [
      ...readNdjson<WindowSummary>(join(out, 'window-summaries.ndjson')),
      ...readNdjson<WindowSummary>(join(out, 'shift-summaries.ndjson')),
    ];
    const want = lastOf(replayed);
    const shifts = [...want.keys()].filter((k) => k.startsWith('shift/')).sort();
    // The night shift's last 10 minutes, the early and the late shift.
    expect(shifts).toEqual(['shift/2026-03-01/night/wc1', 'shift/2026-03-02/early/wc1', 'shift/2026-03-02/late/wc1']);
    expect(want.size).toBeGreaterThan(900);

    // ingest: the compiled CLI, the export into the raw topic.
    const env = integrationEnv();
    const childEnv = {
      ...process.env,
      SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
    };
    const port = await freePort();
    const ingest = new RunProcess(
      'ingest',
      port,
      [
        'ingest',
        '--topology',
        harness.topologyPath,
        '--input',
        input,
        '--rejects',
        join(dir, 'ingest-rejects.ndjson'),
        '--no-progress',
        '--log-level',
        'warn',
        `--http.port=${port}`,
      ],
      childEnv,
    );
    children.push(ingest);
    const ingested = await ingest.exited;
    expect(ingested.code, ingest.output()).toBe(0);
    expect(ingest.output()).toContain(
      `end-of-input marker (ts ${new Date(stats.maxTsMs).toISOString()}) on ${PARTITIONS} raw partitions`,
    );

    // The raw topic: the samples, and on every partition one marker after them, with replay's highest ts.
    const produced = stats.samplesRead - stats.rejected; // the same reader and rejects as replay
    const raw = await readRaw(harness, produced + PARTITIONS);
    const markers = raw.filter((r) => r.sample.tag === WATERMARK_MARKER_TAG);
    expect(markers.map((m) => m.partition).sort()).toEqual([0, 1, 2, 3]);
    for (const m of markers) {
      expect(m.sample).toEqual({
        tag: WATERMARK_MARKER_TAG,
        tsMs: stats.maxTsMs,
        value: 'end-of-input',
        quality: 'good',
      });
      expect(m.headers[MARKER_HEADER]).toBe('watermark');
      expect(m.key).toBe(WATERMARK_MARKER_TAG);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = raw.filter((r) => r.partition === p);
      expect(mine.at(-1)?.sample.tag, `raw partition ${p} ends with the marker`).toBe(WATERMARK_MARKER_TAG);
    }
    // Partition 2: the marker alone. Without it, stage 2's aligned watermark would wait for ever.
    expect(raw.filter((r) => r.partition === EMPTY).map((r) => r.sample.tag)).toEqual([WATERMARK_MARKER_TAG]);
    const rawSamples = raw.filter((r) => r.sample.tag !== WATERMARK_MARKER_TAG);
    expect(rawSamples.length).toBe(produced);

    // run --event-time-only: both stages to the end of their input.
    const run = await harness.start({ client: 'kafkajs' });
    children.push(run);
    // Done when every enriched partition's checkpoint holds the file's watermark: it gets there only
    // with the last raw partition's marker, which follows all of that partition's events, and a
    // checkpoint is saved after its outputs are acknowledged. (The map group's lag is no measure
    // here: its committed offsets stop before each raw partition's last transaction marker.)
    const wantWatermark = stats.watermarkMs;
    expect(wantWatermark).toBe(stats.maxTsMs - plan.eventTime.outOfOrdernessMs);
    await until(
      'every enriched partition checkpointed at the file watermark',
      300_000,
      async () => {
        const wms = await harness.checkpointWatermarks();
        return wms.size === PARTITIONS && [...wms.values()].every((w) => w === wantWatermark) ? wms : undefined;
      },
      [run],
      200,
    );
    await run.stop();

    // The summaries on the topics: exactly replay's, every window and shift, every figure.
    const { last, conflicts } = await collectSummaries(harness);
    expect(conflicts).toEqual([]);
    const got = lastOf([...last.values()]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    const differ = [...want].filter(([k, v]) => !isDeepStrictEqual(got.get(k), v)).map(([k]) => k);
    expect(differ, 'summaries that differ from replay').toEqual([]);

    // post: the shift summaries into the Odoo stand-in. Its productivity rows are replay's shifts.
    standin = await startOdooStandin({
      version: 19,
      workCenters: [...plan.workCenters.values()].map((w) => ({ code: w.odooCode })),
    });
    const odoo = standin;
    await ensureTopics(harness.config, [
      { topic: `shiftstream.${plan.plantId}.odoo-dlq`, partitions: 1 },
      { topic: `shiftstream.${plan.plantId}.odoo-audit`, partitions: 1 },
    ]);
    const replayShifts = replayed.filter((s) => s.windowKind === 'shift');
    const rows = await expectedProductivityRows(odoo, harness.topology, replayShifts);
    const postPort = await freePort();
    const post = new RunProcess(
      'post',
      postPort,
      [
        'post',
        '--topology',
        harness.topologyPath,
        '--batch-period',
        '1s',
        '--flush-interval',
        '100ms',
        '--session-timeout',
        '6s',
        `--http.port=${postPort}`,
      ],
      {
        ...childEnv,
        SHIFTSTREAM_ODOO__URL: odoo.url,
        SHIFTSTREAM_ODOO__DB: odoo.db,
        SHIFTSTREAM_ODOO__LOGIN: odoo.login,
        SHIFTSTREAM_ODOO__API_KEY: odoo.apiKey,
        SHIFTSTREAM_REDIS__KEY_PREFIX: `test:${plan.plantId}:`,
        SHIFTSTREAM_LOG__LEVEL: 'warn',
      },
    );
    children.push(post);
    await eventually("Odoo holds exactly the rows of replay's shifts", 120_000, () => {
      post.assertAlive();
      return productivityRowDiff(odoo, rows).length === 0 ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${productivityRowDiff(odoo, rows).slice(0, 5).join('; ')}\n${post.output()}`);
    });
    expect(rows.size).toBeGreaterThan(6);
    await post.stop();
  }, 480_000);
});
