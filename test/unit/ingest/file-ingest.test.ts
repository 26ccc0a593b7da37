// runFileIngest against an in-memory IngestSink with the same contract as the Kafka one (a commit
// is all or nothing): crashes at any commit, restarts, and the committed records and the rejects
// file hold every line of the export exactly once.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
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

function decodeAll(records: readonly SinkRecord[]): string[] {
  return records.map((r) => {
    const d = codecs.raw.decode(r.value!);
    if (!d.ok) throw new Error(d.detail);
    expect(r.key).toBe(d.value.tag);
    return JSON.stringify([d.value.tag, d.value.tsMs, d.value.value, d.value.quality]);
  });
}

const key = (s: RawSample): string => JSON.stringify([s.tag, s.tsMs, s.value, s.quality]);

async function ingest(input: string, sink: IngestSink, rejectsFile: string, extra: { restart?: boolean } = {}) {
  return runFileIngest({
    plan,
    rawTopic: 'raw',
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
    // The same input again: nothing to do, nothing written.
    const again = await ingest(input, sink, rejects);
    expect(again.alreadyDone).toBe(true);
    expect(sink.committed).toHaveLength(samples.length);
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
      const lines = (await readFile(rejects, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: number }).line);
      expect(lines).toEqual(badLineNos);
    },
  );

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
