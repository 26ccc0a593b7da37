// Stage 1 and the aligned watermark with end-of-input markers (docs/semantics.md section 6.1), on
// the real pipeline over the embedded log, event time only: the export's tags hash to 3 of the 4
// raw partitions. Without markers nothing ever closes (the empty partition holds the watermark at
// -Infinity); with one marker per raw partition carrying the export's highest ts, every enriched
// partition's watermark reaches that ts minus the out-of-orderness and the summaries are replay's
// (one processor over the file in file order, closed at the same instant). Markers give no
// enriched event and no reject; a marker with an absurd ts is dead-lettered and moves nothing.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import { movesEventTime, WATERMARK_MARKER_TAG, watermarkMarker } from '../../../src/core/raw-markers.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { createPipeline } from '../../../src/engine/pipeline.js';
import { createLocalCodecs } from '../../../src/io/avro/codecs.js';
import {
  MemoryEventSink,
  MemoryEventSource,
  MemoryLog,
  MemoryStateStore,
  partitionForKey,
} from '../../../src/io/memory/index.js';
import { createPromMetrics } from '../../../src/metrics/index.js';
import { silentLog } from '../../../src/ports/log.js';
import type { SinkRecord } from '../../../src/ports/event-sink.js';
import { loadTopology } from '../../../src/topology/index.js';
import { generateExport } from '../replay/export-fixture.js';

const topology = loadTopology('test/unit/replay/test-plant.yaml');
const plan = topology.plant;
const t = topology.topics;
const P = 4;
const EMPTY = 3;

/** The export without the tags that hash to raw partition EMPTY (as 17 tags over 4 partitions left one). */
function exportSamples(): RawSample[] {
  return generateExport({
    seed: 7,
    startMs: Date.UTC(2026, 2, 2, 5),
    endMs: Date.UTC(2026, 2, 2, 7),
    workCenters: 4,
    meanGapMs: 2_000,
  }).filter((s) => partitionForKey(Buffer.from(s.tag), P) !== EMPTY);
}

function highestEventTs(samples: readonly RawSample[]): number {
  let max = -Infinity;
  for (const s of samples) {
    const v = mapSample(plan, s);
    if (v.ok && movesEventTime(v.event) && v.event.tsMs > max) max = v.event.tsMs;
  }
  return max;
}

async function runPipeline(raw: readonly SinkRecord[]) {
  const log = new MemoryLog({ defaultPartitions: P });
  for (const topic of Object.values(t)) if (typeof topic === 'string') log.createTopic(topic, P);
  const codecs = createLocalCodecs();
  const metrics = createPromMetrics();
  const pipeline = createPipeline({
    topology,
    codecs,
    mapperSource: new MemoryEventSource(log, { groupId: 'test-map', topics: [t.raw, t.canonical] }),
    windowSource: new MemoryEventSource(log, { groupId: 'test-window', topics: [t.enriched] }),
    windowGroupId: 'test-window',
    sink: new MemoryEventSink(log),
    store: new MemoryStateStore(),
    clock: { nowMs: () => Date.now() },
    metrics,
    log: silentLog,
    live: false,
    checkpointIntervalMs: 60_000,
    commitIntervalMs: 0,
    tickIntervalMs: 10,
    enrichedPartitions: P,
    sourcePartitions: P,
  });
  log.append(raw);
  const done = pipeline.run();
  // Everything read by both stages: stage 1 committed the raw topic's end, stage 2 is at the enriched end.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rawDone = log
      .endOffsets(t.raw)
      .every((end, p) => Number(log.group('test-map').committed({ topic: t.raw, partition: p }) ?? '0') === end);
    const ends = log.endOffsets(t.enriched);
    const at = pipeline.windowStage.positions();
    const enrichedDone =
      rawDone && at.length === P && at.every((x) => Number(x.nextOffset ?? '0') === ends[x.partition]);
    if (enrichedDone) break;
    if (Date.now() > deadline) throw new Error('pipeline did not read its input within 20 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const watermarks = pipeline.windowStage.watermarks().map((w) => w.watermarkMs);
  await pipeline.stop();
  await done;
  await codecs.prepare([...log.records(t.windowSummaries), ...log.records(t.enriched)].map((r) => r.value));
  const decode = <T>(topic: string, codec: { decode(b: Buffer): { ok: boolean; value?: unknown } }): T[] =>
    log.records(topic).map((r) => {
      const d = codec.decode(r.value!);
      if (!d.ok) throw new Error(`${topic}: undecodable record`);
      return d.value as T;
    });
  return {
    watermarks,
    summaries: decode<WindowSummary>(t.windowSummaries, codecs.summary),
    enriched: decode<{ tag: string; kind: string; tsMs: number }>(t.enriched, codecs.event),
    rejected: log.records(t.rejected).length,
    metrics,
    codecs,
  };
}

const codecs = createLocalCodecs();
const sampleRecords = (samples: readonly RawSample[]): SinkRecord[] =>
  samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) }));
const markerRecords = (tsMs: number): SinkRecord[] =>
  Array.from({ length: P }, (_, p) => ({
    topic: t.raw,
    partition: p,
    key: WATERMARK_MARKER_TAG,
    value: codecs.raw.encode(watermarkMarker(tsMs)),
  }));

/** What replay gives: one processor over the file in file order, closed at highest ts - out-of-orderness. */
function replaySummaries(samples: readonly RawSample[]): WindowSummary[] {
  const p = new WindowedProcessor(plan);
  const events = samples.flatMap((s) => {
    const v = mapSample(plan, s);
    return v.ok ? [v.event] : [];
  });
  const out = p.ingest(events);
  const end = p.advanceTo(highestEventTs(samples) - plan.eventTime.outOfOrdernessMs);
  return [...out.summaries, ...end.summaries];
}

const byKey = (ss: readonly WindowSummary[]) =>
  new Map(
    ss.map((s) => {
      const { revision: _r, lateSamples: _l, ...rest } = s;
      return [`${s.windowName}/${s.windowId}/${s.workCenterId}`, JSON.parse(JSON.stringify(rest)) as unknown];
    }),
  );

describe('end-of-input markers through stage 1 and the aligned watermark', () => {
  const samples = exportSamples();
  const maxTs = highestEventTs(samples);

  it('the fixture leaves raw partition 3 without a sample', () => {
    const used = new Set(samples.map((s) => partitionForKey(Buffer.from(s.tag), P)));
    expect([...used].sort()).toEqual([0, 1, 2]);
    expect(samples.length).toBeGreaterThan(1_000);
  });

  it('without markers: every sample read, nothing closes (the empty partition holds the watermark back)', async () => {
    const r = await runPipeline(sampleRecords(samples));
    expect(r.watermarks).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
    expect(r.summaries).toEqual([]);
  });

  it("with a marker on every raw partition: the watermark reaches the file's, the summaries are replay's", async () => {
    const r = await runPipeline([...sampleRecords(samples), ...markerRecords(maxTs)]);
    expect(r.watermarks).toEqual(Array.from({ length: P }, () => maxTs - plan.eventTime.outOfOrdernessMs));
    const want = byKey(replaySummaries(samples));
    expect(want.size).toBeGreaterThan(100);
    const got = byKey(r.summaries);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    expect([...want].filter(([k, v]) => !isDeepStrictEqual(got.get(k), v)).map(([k]) => k)).toEqual([]);
    // Markers are progress, not samples: no enriched event of theirs, no reject, counted.
    expect(r.enriched.filter((e) => e.tag === WATERMARK_MARKER_TAG)).toEqual([]);
    expect(r.rejected).toBe(0);
    const counted = await r.metrics.values('shiftstream_watermark_markers_total');
    expect(counted).toEqual([{ labels: { topic: t.raw }, value: P }]);
  });

  it('a repeated marker changes nothing (a second ingest of the same file, or a resumed one)', async () => {
    const once = await runPipeline([...sampleRecords(samples), ...markerRecords(maxTs)]);
    const twice = await runPipeline([...sampleRecords(samples), ...markerRecords(maxTs), ...markerRecords(maxTs)]);
    expect(twice.watermarks).toEqual(once.watermarks);
    expect(byKey(twice.summaries)).toEqual(byKey(once.summaries));
    expect(twice.summaries.length).toBe(once.summaries.length);
  });

  it('a marker with an absurd ts is dead-lettered and moves nothing', async () => {
    const bad: SinkRecord = {
      topic: t.raw,
      partition: EMPTY,
      key: WATERMARK_MARKER_TAG,
      value: codecs.raw.encode(watermarkMarker(Date.UTC(2200, 0, 1))),
    };
    const r = await runPipeline([...sampleRecords(samples), bad]);
    expect(r.rejected).toBe(1);
    expect(r.watermarks).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
    expect(r.summaries).toEqual([]);
  });
});
