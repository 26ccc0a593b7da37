// `shiftstream ingest --input` on real Kafka and the real registry: a gzipped export is ingested by
// a child process that is killed with SIGKILL twice mid-file (each time with its position moved
// past the start), then finishes on the third start. Read back with read_committed, the raw topic
// holds every good line exactly once (0 missing, 0 doubled, counted against the input), the
// end-of-input marker once per raw partition (docs/semantics.md section 6.1), and the rejects file
// every bad line once with its line number. Whether a kill lands inside a transaction
// is up to timing, so a second test leaves a transaction open on purpose (a producer with the
// same transactional.id that never commits, as a killed process would) and shows that the next
// open() aborts it: its records never reach a read_committed reader.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestIds } from '../../../src/cli/commands/ingest.js';
import { createKafkaIngestSink } from '../../../src/io/kafka/kafkajs-ingest-sink.js';
import { WATERMARK_MARKER_TAG } from '../../../src/core/raw-markers.js';
import type { RawSample } from '../../../src/core/types.js';
import { PARTITIONS, PlantHarness, RunProcess, freePort, until } from '../../support/pipeline-harness.js';
import { generateExport } from '../../unit/replay/export-fixture.js';
import { integrationEnv, uniqueName } from '../support/env.js';
import { readRawTopic } from '../support/raw-topic.js';

let h: PlantHarness | undefined;
const children: RunProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.alive) await c.kill9();
  await h?.close();
});

const BAD = ['{"ts": 1774745998120, "tag": "M1a.STATE"', '{"ts": "soon", "tag": "M1a.STATE", "value": 1}'];

function buildExport(): { text: string; good: RawSample[]; badLines: number[] } {
  const samples = generateExport({
    seed: 20,
    startMs: Date.UTC(2026, 2, 2, 4),
    endMs: Date.UTC(2026, 2, 2, 12),
    workCenters: 4,
    meanGapMs: 250,
    silenceShare: 0,
  }).filter((s) => s.quality !== 'bad');
  const lines: string[] = [];
  const badLines: number[] = [];
  for (const s of samples) {
    if ((lines.length + 1) % 501 === 0) {
      lines.push(BAD[badLines.length % BAD.length]!);
      badLines.push(lines.length);
    }
    lines.push(JSON.stringify({ ts: s.tsMs, tag: s.tag, value: s.value, quality: s.quality }));
  }
  return { text: `${lines.join('\n')}\n`, good: samples, badLines };
}

const sampleKey = (s: RawSample): string => JSON.stringify([s.tag, s.tsMs, s.value, s.quality]);

describe('ingest --input: exactly once across kill -9 (real Kafka, registry)', () => {
  it('every line of the export exactly once after two kills mid-file', async () => {
    h = await PlantHarness.create('ingest-file', 'test/unit/replay/test-plant.yaml');
    const harness = h;
    const { text, good, badLines } = buildExport();
    expect(good.length).toBeGreaterThan(50_000);
    const dir = join(harness.topologyPath, '..');
    const input = join(dir, 'export.ndjson.gz');
    writeFileSync(input, gzipSync(text));
    const rejects = join(dir, 'rejected.ndjson');
    const env = integrationEnv();
    const childEnv = {
      ...process.env,
      SHIFTSTREAM_KAFKA__BROKERS: env.brokers.join(','),
      SHIFTSTREAM_REGISTRY__URL: env.registryUrl,
      SHIFTSTREAM_REDIS__URL: env.redisUrl,
    };
    const ids = ingestIds(harness.plantId, input);
    /** The committed position (-1: none yet; the child creates the positions topic). */
    const position = async (): Promise<number> => {
      try {
        const [o] = await harness.admin.fetchOffsets({ groupId: ids.group, topics: [ids.positionsTopic] });
        return Number(o?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
      } catch {
        return -1;
      }
    };
    const start = async (n: number): Promise<RunProcess> => {
      const port = await freePort();
      const args = ['ingest', '--topology', harness.topologyPath, '--input', input, '--rejects', rejects];
      args.push('--batch', '1000', '--log-level', 'warn', `--http.port=${port}`);
      const p = new RunProcess(`ingest#${n}`, port, args, childEnv);
      children.push(p);
      return p;
    };
    const totalLines = good.length + badLines.length;

    // Two kills, each once the committed position moved on by a few transactions.
    let last = 0;
    for (const n of [1, 2]) {
      const p = await start(n);
      const from = last;
      last = await until(
        `ingest#${n}: position past line ${from + 5_000}`,
        120_000,
        async () => {
          const at = await position();
          return at > from + 5_000 ? at : undefined;
        },
        [p],
        20,
      );
      await p.kill9();
      expect(last, 'killed before the end of the file').toBeLessThan(totalLines);
    }
    const final = await start(3);
    const { code } = await final.exited;
    expect(code, final.output()).toBe(0);
    expect(final.output()).toMatch(/after line [\d,]+ \(resumed\)/);

    // read_committed: exactly the input, and one marker per raw partition with its highest event time.
    const all = await readRawTopic(harness, good.length + PARTITIONS);
    const committed = all.filter((s) => s.tag !== WATERMARK_MARKER_TAG);
    const markers = all.filter((s) => s.tag === WATERMARK_MARKER_TAG);
    const plan = harness.topology.plant;
    const highest = Math.max(...good.filter((s) => plan.tags.get(s.tag)?.kind !== 'milestone').map((s) => s.tsMs));
    expect(markers).toEqual(
      Array.from({ length: PARTITIONS }, () => ({
        tag: WATERMARK_MARKER_TAG,
        tsMs: highest,
        value: 'end-of-input',
        quality: 'good',
      })),
    );
    const want = new Map<string, number>();
    for (const s of good) want.set(sampleKey(s), (want.get(sampleKey(s)) ?? 0) + 1);
    const got = new Map<string, number>();
    for (const s of committed) got.set(sampleKey(s), (got.get(sampleKey(s)) ?? 0) + 1);
    const missing = [...want].filter(([k, c]) => (got.get(k) ?? 0) < c).length;
    const doubled = [...got].filter(([k, c]) => c > (want.get(k) ?? 0)).length;
    expect({ records: committed.length, missing, doubled }).toEqual({ records: good.length, missing: 0, doubled: 0 });

    // The rejects file: each bad line once, with its line number.
    const rejected = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejected.map((r) => r.line)).toEqual(badLines);
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['malformed-json', 'invalid-ts']));

    // A fourth start has nothing to do.
    const again = await start(4);
    expect((await again.exited).code).toBe(0);
    expect(again.output()).toContain('already ingested completely');
  }, 300_000);

  it('open() aborts the transaction a dead writer left open, and returns the last committed position', async () => {
    const harness = h!;
    const config = harness.config;
    const topic = harness.topology.topics.raw;
    const ids = ingestIds(harness.plantId, 'dead-writer');
    const sinkOptions = { transactionalId: ids.group, positionsGroup: ids.group, positionsTopic: ids.positionsTopic };
    const sample = (i: number): RawSample => ({
      tag: 'M2a.HB',
      tsMs: Date.UTC(2026, 5, 1) + i,
      value: i,
      quality: 'good',
    });
    const records = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        topic,
        key: 'M2a.HB',
        value: harness.codecs.raw.encode(sample(from + i)),
      }));
    const identity = { name: 'dead-writer', sizeBytes: 1, headSha256: 'x' };
    const first = createKafkaIngestSink(config, sinkOptions);
    expect(await first.open()).toBeUndefined();
    const committedPosition = { line: 100, rejectedBytes: 0, produced: 100, rejected: 0, input: identity, done: false };
    await first.commit(records(0, 100), committedPosition);
    await first.close();
    // The "killed" writer: same transactional.id, records sent, never committed, never closed.
    const kafka = new Kafka({
      clientId: uniqueName('dead'),
      brokers: [...config.kafka.brokers],
      logLevel: logLevel.NOTHING,
    });
    const dead = kafka.producer({ transactionalId: ids.group, idempotent: true, maxInFlightRequests: 1 });
    await dead.connect();
    const tx = await dead.transaction();
    await tx.send({ topic, messages: records(100, 50) });
    const second = createKafkaIngestSink(config, sinkOptions);
    expect(await second.open()).toEqual(committedPosition);
    await second.commit(records(100, 10), { ...committedPosition, line: 110, produced: 110 });
    await second.close();
    await expect(tx.commit(), 'the dead writer is fenced').rejects.toThrow();
    await dead.disconnect().catch(() => undefined);
    const hb = (await readRawTopic(harness, 110)).filter((s) => s.tag === 'M2a.HB' && s.tsMs >= Date.UTC(2026, 5, 1));
    expect(hb.map((s) => s.value)).toEqual(Array.from({ length: 110 }, (_, i) => i));
    const uncommitted = (await readRawTopic(harness, 160, { committed: false })).filter(
      (s) => s.tag === 'M2a.HB' && s.tsMs >= Date.UTC(2026, 5, 1),
    );
    expect(uncommitted).toHaveLength(160); // the 50 aborted ones are in the log, invisible to read_committed
  }, 120_000);
});

/**
 * Every record of the raw topic (read_committed or not), decoded. Waits until at least `atLeast`
 * arrived, then until 3 s pass without another (a duplicate would show up in that time: all of
 * them were committed before the last ingest exited).
 */
