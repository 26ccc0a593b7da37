// The drain's share of capacity: the pure rule (drain-pace.ts), and runMqttIngest following it on a
// real FileSpool holding a backlog of 10 batches, with a sink whose commit takes 30 ms: at share 0.5
// each batch of the drain is followed by a wait of at least its own commit time; once less than a
// batch is left, live input is not paced.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawSample } from '../../../src/core/types.js';
import { drainPauseMs, isDraining } from '../../../src/ingest/drain-pace.js';
import { runMqttIngest } from '../../../src/ingest/mqtt-ingest.js';
import { FileSpool } from '../../../src/io/spool/file-spool.js';
import type { Codec } from '../../../src/ports/codecs.js';
import type { SinkRecord } from '../../../src/ports/event-sink.js';
import type { IngestPosition, IngestSink } from '../../../src/ports/ingest-sink.js';
import type { MessageSource } from '../../../src/ports/message-source.js';
import { loadTopology } from '../../../src/topology/index.js';

describe('drain pace rule', () => {
  it('waits so that the forwarder is busy `share` of the time; no wait at share 1', () => {
    expect(drainPauseMs(100, 0.5)).toBe(100);
    expect(drainPauseMs(30, 0.25)).toBe(90);
    expect(drainPauseMs(40, 0.8)).toBeCloseTo(10, 9);
    expect(drainPauseMs(100, 1)).toBe(0);
    expect(drainPauseMs(0, 0.5)).toBe(0);
    for (const share of [0.1, 0.3, 0.5, 0.9]) {
      const commit = 37;
      expect(commit / (commit + drainPauseMs(commit, share))).toBeCloseTo(share, 9);
    }
    expect(() => drainPauseMs(10, 0)).toThrow(/expected a number in \(0, 1\], found 0/);
    expect(() => drainPauseMs(10, 1.5)).toThrow(RangeError);
  });
  it('a drain is at least one full batch spooled', () => {
    expect(isDraining(5000, 5000)).toBe(true);
    expect(isDraining(4999, 5000)).toBe(false);
  });
});

const plan = loadTopology(resolve(import.meta.dirname, '..', 'replay', 'test-plant.yaml')).plant;
const codec: Codec<RawSample> = {
  encode: (s) => Buffer.from(`${s.tag}|${s.tsMs}`),
  decode: () => ({ ok: false, reason: 'malformed-avro', detail: 'not used' }),
};
const COMMIT_MS = 30;

/** Commits take COMMIT_MS; each commit's start and end are kept. */
class SlowSink implements IngestSink {
  readonly commits: { startMs: number; endMs: number; records: number }[] = [];
  records = 0;
  open(): Promise<IngestPosition | undefined> {
    return Promise.resolve(undefined);
  }
  async commit(records: readonly SinkRecord[]): Promise<void> {
    const startMs = performance.now();
    await new Promise((r) => setTimeout(r, COMMIT_MS));
    this.records += records.length;
    this.commits.push({ startMs, endMs: performance.now(), records: records.length });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const idleSource: MessageSource = {
  start: () => Promise.resolve(),
  publish: () => Promise.resolve(),
  onState: () => undefined,
  close: () => Promise.resolve(),
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drain-pace-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function drain(share: number, name: string): Promise<SlowSink> {
  const spool = await FileSpool.open({ dir: join(root, name) });
  // A backlog of 10 batches of 100 and a tail of 50 (less than a batch).
  await spool.append(Array.from({ length: 1050 }, (_, i) => ({ key: 'M1a.HB', value: Buffer.from(`M1a.HB|${i}`) })));
  const sink = new SlowSink();
  const ac = new AbortController();
  const run = runMqttIngest({
    plan,
    rawTopic: 'raw',
    subscriptions: [],
    source: idleSource,
    spool,
    sink: () => sink,
    codec,
    rejectsFile: join(root, `${name}-rejects.ndjson`),
    inputName: 'mqtt:test',
    batchRecords: 100,
    drainShare: share,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    signal: ac.signal,
  });
  const deadline = Date.now() + 20_000;
  while (sink.records < 1050 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await run;
  await spool.close();
  return sink;
}

describe('runMqttIngest drains a backlog at its share of capacity', () => {
  it('at share 0.5 each drain batch is followed by a wait of at least its commit time', async () => {
    const sink = await drain(0.5, 'half');
    expect(sink.records).toBe(1050);
    expect(sink.commits.map((c) => c.records)).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50]);
    // After batches 1..9 a full batch (or more) was still spooled: paced. (-2 ms: timer rounding.)
    for (let i = 0; i < 9; i++) {
      const c = sink.commits[i]!;
      const gap = sink.commits[i + 1]!.startMs - c.endMs;
      expect(gap, `gap after drain batch ${i + 1}`).toBeGreaterThanOrEqual(c.endMs - c.startMs - 2);
    }
  }, 30_000);

  it('at share 1 the drain does not wait', async () => {
    const sink = await drain(1, 'full');
    expect(sink.records).toBe(1050);
    const gaps = sink.commits.slice(1, 9).map((c, i) => c.startMs - sink.commits[i]!.endMs);
    // Without the rule's wait the gaps are the spool read and ack (a few ms), not >= 30 ms each.
    expect(gaps.filter((g) => g >= COMMIT_MS - 2).length).toBeLessThan(gaps.length);
  }, 30_000);
});
