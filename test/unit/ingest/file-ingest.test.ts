// runFileIngest against an in-memory IngestSink with the same contract as the Kafka one (a commit
// is all or nothing): crashes at any commit, restarts, and the committed records and the rejects
// file hold every line of the export exactly once, and the last commit an end-of-input watermark
// marker on every raw partition (docs/semantics.md section 6.1), once, whatever crashed before.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { MARKER_HEADER, WATERMARK_MARKER_TAG } from '../../../src/core/raw-markers.js';
import { runFileIngest } from '../../../src/ingest/file-ingest.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import type { SinkRecord } from '../../../src/ports/event-sink.js';
import type { IngestPosition, IngestSink } from '../../../src/ports/ingest-sink.js';
import { loadTopology } from '../../../src/topology/index.js';
import { generateExport } from '../replay/export-fixture.js';

const TOPOLOGY = resolve(import.meta.dirname, '..', 'replay', 'test-plant.yaml');
const plan = loadTopology(TOPOLOGY).plant;
const codecs = createLocalCodecs();

class Null extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Commits atomically; `failAt` makes the n-th commit (1-based, over its life) throw before anything is kept. */
class MemoryIngestSink implements IngestSink {
  readonly committed: SinkRecord[] = [];
  position: IngestPosition | undefined;
  commits = 0;
  failAt = Infinity;
  open(): Promise<IngestPosition | undefined> {
    return Promise.resolve(this.position);
  }
  commit(records: readonly SinkRecord[], position: IngestPosition): Promise<void> {
    this.commits++;
    if (this.commits === this.failAt) return Promise.reject(new Error(`crash at commit ${this.commits}`));
    this.committed.push(...records);
    this.position = position;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-unit-'));
  await codecs.prepare([codecs.raw.encode({ tag: 'M1a.STATE', tsMs: 1, value: 1, quality: 'good' })]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BAD_LINES = [
  '{"ts": 1, "tag"',
  '{"ts": "yesterday", "tag": "M1a.STATE", "value": 1}',
  '{"ts": 1774745998120, "tag": "NOPE", "value": 1}',
];

/** An NDJSON export with a bad line every 97 lines; returns the file text and what it holds. */
function exportText(): { text: string; samples: RawSample[]; badLineNos: number[] } {
  const samples = generateExport({
    seed: 11,
    startMs: Date.UTC(2026, 2, 2, 5),
    endMs: Date.UTC(2026, 2, 2, 9),
    workCenters: 4,
    meanGapMs: 1_000,
  }).filter((s) => s.quality !== 'bad');
  const lines: string[] = [];
  const badLineNos: number[] = [];
  const good: RawSample[] = [];
  for (const s of samples) {
    if ((lines.length + 1) % 97 === 0) {
      lines.push(BAD_LINES[badLineNos.length % BAD_LINES.length]!);
      badLineNos.push(lines.length);
    }
    lines.push(JSON.stringify({ ts: s.tsMs, tag: s.tag, value: s.value, quality: s.quality }));
    good.push(s);
  }
  return { text: `${lines.join('\n')}\n`, samples: good, badLineNos };
}

const PARTITIONS = 4;

/** The committed samples (markers left out: see markersOf). */
function decodeAll(records: readonly SinkRecord[]): string[] {
  return records.flatMap((r) => {
    const d = codecs.raw.decode(r.value!);
    if (!d.ok) throw new Error(d.detail);
    expect(r.key).toBe(d.value.tag);
    if (d.value.tag === WATERMARK_MARKER_TAG) return [];
    expect(r.partition, 'a sample goes by its key').toBeUndefined();
    return [JSON.stringify([d.value.tag, d.value.tsMs, d.value.value, d.value.quality])];
  });
}

/** The committed markers, in commit order: where each went and what it says. */
function markersOf(records: readonly SinkRecord[]) {
  return records.flatMap((r, i) => {
    const d = codecs.raw.decode(r.value!);
    if (!d.ok || d.value.tag !== WATERMARK_MARKER_TAG) return [];
    return [{ index: i, partition: r.partition, tsMs: d.value.tsMs, value: d.value.value, headers: r.headers }];
  });
}

/** What the markers must carry: the highest ts of the samples that move event time (no milestones). */
function highestEventTs(samples: readonly RawSample[]): number {
  return Math.max(...samples.filter((s) => plan.tags.get(s.tag)?.kind !== 'milestone').map((s) => s.tsMs));
}

/** One marker per partition 0..n-1, all with `tsMs`, the last records of the commits. */
function expectMarkers(records: readonly SinkRecord[], tsMs: number, n = PARTITIONS): void {
  const markers = markersOf(records);
  expect(markers.map((m) => m.partition)).toEqual(Array.from({ length: n }, (_, p) => p));
  for (const m of markers) {
    expect(m).toMatchObject({ tsMs, value: 'end-of-input', headers: { [MARKER_HEADER]: 'watermark' } });
  }
  // After every sample: nothing of the file follows them.
  expect(markers[0]!.index).toBe(records.length - n);
}

const key = (s: RawSample): string => JSON.stringify([s.tag, s.tsMs, s.value, s.quality]);

async function ingest(
  input: string,
  sink: IngestSink,
  rejectsFile: string,
  extra: { restart?: boolean; rawPartitions?: number } = {},
) {
  return runFileIngest({
    plan,
    rawTopic: 'raw',
    rawPartitions: PARTITIONS,
    input,
    codec: codecs.raw,
    sink,
    rejectsFile,
    batchRecords: 500,
    stderr: new Null(),
    progress: false,
    ...extra,
  });
}

describe('runFileIngest', () => {
  it('writes every good line once and every bad line to the rejects file with its line number', async () => {
    const { text, samples, badLineNos } = exportText();
    const input = join(dir, 'once.ndjson');
    await writeFile(input, text);
    const sink = new MemoryIngestSink();
    const rejects = join(dir, 'once-rejects.ndjson');
    const r = await ingest(input, sink, rejects);
    expect(decodeAll(sink.committed)).toEqual(samples.map(key));
    const rejected = (await readFile(rejects, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejected.map((x) => x.line)).toEqual(badLineNos);
    expect(new Set(rejected.map((x) => x.reason))).toEqual(new Set(['malformed-json', 'invalid-ts', 'unknown-tag']));
    expect(r.position).toMatchObject({ done: true, produced: samples.length, rejected: badLineNos.length });
    expect(r.finalLine).toContain(`${samples.length.toLocaleString('en-US')} samples on raw`);
    const maxTs = highestEventTs(samples);
    expectMarkers(sink.committed, maxTs);
    expect(r.markerTsMs).toBe(maxTs);
    expect(r.position.markerPartitions).toBe(PARTITIONS);
    expect(r.finalLine).toContain(`end-of-input marker (ts ${new Date(maxTs).toISOString()}) on 4 raw partitions`);
    // The same input again: nothing to do, nothing written (no second marker either).
    const again = await ingest(input, sink, rejects);
    expect(again.alreadyDone).toBe(true);
    expect(sink.committed).toHaveLength(samples.length + PARTITIONS);
  });

  it('the highest ts of a milestone does not move the marker (replay does not count it either)', async () => {
    const lines = [
      { ts: Date.UTC(2026, 2, 2, 6), tag: 'M1a.STATE', value: 1 },
      { ts: Date.UTC(2026, 2, 2, 7), tag: 'M1a.DOWN', value: 1 },
      { ts: Date.UTC(2026, 2, 2, 6, 30), tag: 'M2a.HB', value: 1 },
    ];
    const input = join(dir, 'milestone-last.ndjson');
    await writeFile(input, lines.map((l) => JSON.stringify(l)).join('\n'));
    const sink = new MemoryIngestSink();
    const r = await ingest(input, sink, join(dir, 'milestone-last-rejects.ndjson'));
    expect(decodeAll(sink.committed)).toHaveLength(3);
    expectMarkers(sink.committed, Date.UTC(2026, 2, 2, 6, 30));
    expect(r.markerTsMs).toBe(Date.UTC(2026, 2, 2, 6, 30));
  });

  it('a file with no usable sample writes no marker (there is no progress to mark)', async () => {
    const input = join(dir, 'all-bad.ndjson');
    await writeFile(input, `${BAD_LINES.join('\n')}\n`);
    const sink = new MemoryIngestSink();
    const r = await ingest(input, sink, join(dir, 'all-bad-rejects.ndjson'));
    expect(sink.committed).toEqual([]);
    expect(r.markerTsMs).toBeNull();
    expect(r.position).toMatchObject({ done: true, rejected: 3 });
  });

  it('a position done without markers (older version, raw topic grown since): the markers, nothing else', async () => {
    const { text, samples } = exportText();
    const input = join(dir, 'upgrade.ndjson');
    await writeFile(input, text);
    const sink = new MemoryIngestSink();
    const rejects = join(dir, 'upgrade-rejects.ndjson');
    // As a version before markers left it: every sample, done, no markerPartitions.
    await ingest(input, sink, rejects, { rawPartitions: 0 });
    expect(markersOf(sink.committed)).toEqual([]);
    const { markerPartitions: _m, ...older } = sink.position!;
    sink.position = older;
    const r = await ingest(input, sink, rejects);
    expect(r.alreadyDone).toBe(false);
    expect(r.readThisRun).toBe(0);
    expect(decodeAll(sink.committed)).toEqual(samples.map(key));
    expectMarkers(sink.committed, highestEventTs(samples));
    // Two more partitions since: all six get one (the first four a second one, which changes nothing).
    const grown = await ingest(input, sink, rejects, { rawPartitions: 6 });
    expect(grown.alreadyDone).toBe(false);
    expect(markersOf(sink.committed).map((m) => m.partition)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4, 5]);
    expect((await ingest(input, sink, rejects, { rawPartitions: 6 })).alreadyDone).toBe(true);
  });

  it.each([1, 2, 5, 9])(
    'a crash at commit %i, then a restart: every line exactly once (gzip input)',
    async (failAt) => {
      const { text, samples, badLineNos } = exportText();
      const input = join(dir, `crash-${failAt}.ndjson.gz`);
      await writeFile(input, gzipSync(text));
      const sink = new MemoryIngestSink();
      sink.failAt = failAt;
      const rejects = join(dir, `crash-${failAt}-rejects.ndjson`);
      await expect(ingest(input, sink, rejects)).rejects.toThrow(`crash at commit ${failAt}`);
      // The crashed attempt wrote rejects past the committed position: the restart cuts them.
      const r = await ingest(input, sink, rejects);
      if (failAt === 1) expect(r.resumedAfterLine).toBe(0);
      else expect(r.resumedAfterLine).toBeGreaterThanOrEqual(500 * (failAt - 1));
      expect(decodeAll(sink.committed)).toEqual(samples.map(key));
      // The markers carry the whole file's highest ts, also when the restart skipped most lines.
      expectMarkers(sink.committed, highestEventTs(samples));
      const lines = (await readFile(rejects, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: number }).line);
      expect(lines).toEqual(badLineNos);
    },
  );

  it('a crash at the last commit (the one that says done): no marker yet; the restart writes them once', async () => {
    const { text, samples } = exportText();
    const input = join(dir, 'crash-last.ndjson');
    await writeFile(input, text);
    const probe = new MemoryIngestSink();
    await ingest(input, probe, join(dir, 'crash-last-probe.ndjson'));
    const sink = new MemoryIngestSink();
    sink.failAt = probe.commits;
    const rejects = join(dir, 'crash-last-rejects.ndjson');
    await expect(ingest(input, sink, rejects)).rejects.toThrow(`crash at commit ${probe.commits}`);
    expect(markersOf(sink.committed)).toEqual([]);
    expect(sink.position?.done).toBe(false);
    const r = await ingest(input, sink, rejects);
    expect(r.resumedAfterLine).toBeGreaterThan(0);
    expect(decodeAll(sink.committed)).toEqual(samples.map(key));
    expectMarkers(sink.committed, highestEventTs(samples));
  });

  it('refuses to resume a file that changed, and starts over with restart', async () => {
    const { text } = exportText();
    const input = join(dir, 'changed.ndjson');
    await writeFile(input, text);
    const sink = new MemoryIngestSink();
    sink.failAt = 3;
    const rejects = join(dir, 'changed-rejects.ndjson');
    await expect(ingest(input, sink, rejects)).rejects.toThrow('crash at commit 3');
    await writeFile(input, `${text}${text}`);
    await expect(ingest(input, sink, rejects)).rejects.toThrow(/the file changed: expected \d+ bytes/);
    const r = await ingest(input, sink, rejects, { restart: true });
    expect(r.resumedAfterLine).toBe(0);
    expect(r.position.done).toBe(true);
  });
});
