// The fused path (run.fused=on, docs/architecture.md "Fused path") on the real Kafka, registry and
// Redis, once per client (kafkajs, node-rdkafka): `shiftstream run` (compiled CLI, child process)
// over an export of 4 work centers (out of order within the bound, a few samples delayed past it to
// the end of the file, so late and amended) followed by an end-of-input marker on every raw
// partition; three processes one after another, each killed with -9 a random moment after it
// started mapping; the last run drains the input. The summaries on the topics have no two records
// of one key and revision with different bytes, and their last revisions equal, figure for figure,
// what `shiftstream replay` writes for the same file. The enriched topic is still written (a public
// output); no window group reads it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { WATERMARK_MARKER_TAG, watermarkMarker } from '../../../src/core/raw-markers.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { createEventSink } from '../../../src/io/kafka/factory.js';
import { Prng } from '../../../src/sim/index.js';
import { samplesToCsv } from '../../../src/sim/export.js';
import { withoutNullOrderKeys } from '../../support/attribution.js';
import {
  collectSummaries,
  PARTITIONS,
  PlantHarness,
  plain,
  scrapeMetric,
  until,
  type ClientName,
  type RunProcess,
} from '../../support/pipeline-harness.js';
import { generateExport } from '../../unit/replay/export-fixture.js';

const START = Date.UTC(2026, 2, 2, 4, 50);
const END = Date.UTC(2026, 2, 2, 21, 20);

const CLIENTS = ['kafkajs', 'rdkafka'] as const satisfies readonly ClientName[];

const harnesses: PlantHarness[] = [];
afterAll(async () => {
  await Promise.all(
    harnesses.map(async (h) => {
      await h.store.delete(`shiftstream-${h.plantId}-fused/${h.topology.topics.raw}`).catch(() => undefined);
      await h.close();
    }),
  );
});

const readNdjson = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

function lastOf(summaries: readonly WindowSummary[]): Map<string, unknown> {
  const last = new Map<string, WindowSummary>();
  for (const s of summaries) {
    const key = `${s.windowName}/${s.windowId}/${s.workCenterId}`;
    const prev = last.get(key);
    if (prev === undefined || prev.revision < s.revision) last.set(key, s);
  }
  return new Map(
    [...last].map(([k, s]) => {
      const { revision: _r, lateSamples: _l, ...rest } = s;
      return [k, plain(withoutNullOrderKeys(rest))];
    }),
  );
}

describe.each(CLIENTS)('run with run.fused=on, %s: kill -9 and restart, summaries equal replay', (client) => {
  it('three kills mid-run: no conflicting re-emits, last revisions equal replay of the same file', async () => {
    const harness = await PlantHarness.create(`fused-crash-${client}`, 'test/unit/replay/test-plant.yaml');
    harnesses.push(harness);
    const t = harness.topology.topics;
    const inOrder = generateExport({
      seed: 43,
      startMs: START,
      endMs: END,
      workCenters: 4,
      meanGapMs: 100,
      shuffleMs: 20_000,
    });
    // Every 1,000th sample arrives at the end of the file: late (its windows closed), amended.
    const late = inOrder.filter((_, i) => i % 1_000 === 500);
    const samples: RawSample[] = [...inOrder.filter((_, i) => i % 1_000 !== 500), ...late];
    expect(late.length).toBeGreaterThan(20);
    const dir = join(harness.topologyPath, '..');
    const input = join(dir, 'export.csv');
    writeFileSync(input, samplesToCsv(samples));

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
    const stats = JSON.parse(readFileSync(join(out, 'replay-stats.json'), 'utf8')) as { maxTsMs: number };
    const replayed = [
      ...readNdjson<WindowSummary>(join(out, 'window-summaries.ndjson')),
      ...readNdjson<WindowSummary>(join(out, 'shift-summaries.ndjson')),
    ];
    const want = lastOf(replayed);
    expect(want.size).toBeGreaterThan(1_000);
    expect(replayed.some((s) => s.revision > 1)).toBe(true);

    // The raw topic: the file, then a marker per partition.
    const sink = createEventSink(harness.config, { clientId: `fused-crash-${harness.plantId}` });
    const produce = async (part: readonly RawSample[]): Promise<void> => {
      for (let i = 0; i < part.length; i += 10_000)
        await sink.send(
          part.slice(i, i + 10_000).map((s) => ({ topic: t.raw, key: s.tag, value: harness.codecs.raw.encode(s) })),
        );
    };
    const rng = new Prng(20261203);
    const kills: string[] = [];
    const mapLag = (): Promise<number> => harness.lag(harness.mapGroup, t.raw);
    const start = (name: string): Promise<RunProcess> =>
      harness.start({ client, name, checkpointIntervalMs: 500, extraArgs: ['--run.fused=on'] });
    try {
      await produce(samples);
      await sink.send(
        Array.from({ length: PARTITIONS }, (_, p) => ({
          topic: t.raw,
          partition: p,
          key: WATERMARK_MARKER_TAG,
          value: harness.codecs.raw.encode(watermarkMarker(stats.maxTsMs)),
        })),
      );
    } finally {
      await sink.close();
    }
    // Three processes, one after another, on the whole input: each killed a random 0..400 ms after
    // it mapped its first records, the restored ones only once they checkpointed; the next one
    // resumes from the last frame in Redis.
    for (let k = 0; k < 3; k++) {
      const proc = await start(`fused#${k + 1}`);
      await until(
        `fused#${k + 1}: mapping`,
        60_000,
        async () =>
          (await scrapeMetric(proc.httpPort, 'shiftstream_events_in_total', { topic: t.raw }).catch(() => 0)) > 0
            ? true
            : undefined,
        [proc],
        20,
      );
      const atStart = await mapLag();
      const delayMs = Math.floor(rng.int(400));
      // the random kill point itself, not a wait for a condition
      await new Promise((r) => setTimeout(r, delayMs));
      // A restored process is killed only after a checkpoint of its own (its restore, outbox and
      // resumed offsets are then what the next one builds on).
      if (k > 0)
        await until(
          `fused#${k + 1}: a checkpoint after the restore`,
          60_000,
          async () => (atStart === 0 || (await mapLag()) < atStart ? true : undefined),
          [proc],
          20,
        );
      const lag = await mapLag();
      await proc.kill9();
      kills.push(`#${k + 1} +${delayMs} ms (map lag ${lag})`);
    }
    console.log(`[fused crash ${client}] kills: ${kills.join('; ')}`);
    const last = await start('fused#final');
    await last.ready();
    await until(
      'fused#final: the raw topic checkpointed to its end',
      180_000,
      async () => ((await mapLag()) === 0 ? true : undefined),
      [last],
      200,
    );
    await last.stop();
    // Kills found uncommitted work (else the test proves little).
    expect(kills.filter((k) => !k.includes('(map lag 0)')).length).toBeGreaterThanOrEqual(2);

    const { last: summaries, conflicts, records } = await collectSummaries(harness);
    expect(conflicts, 'records with the same key and revision but different bytes').toEqual([]);
    const got = lastOf([...summaries.values()]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    const differ = [...want].filter(([k, v]) => !isDeepStrictEqual(got.get(k), v)).map(([k]) => k);
    expect(differ.slice(0, 5), `${differ.length} summaries differ from replay`).toEqual([]);
    expect(records).toBeGreaterThanOrEqual(summaries.size);

    // The enriched topic stays a public output: every valid sample is on it (at least once).
    const enriched = await harness.readTopic(t.enriched);
    const events = await harness.decodeAll<{ tag: string; tsMs: number; kind: string }>(enriched, harness.codecs.event);
    const onTopic = new Set(events.filter((e) => e.kind !== 'watermark').map((e) => `${e.tag}@${e.tsMs}`));
    expect(samples.filter((s) => !onTopic.has(`${s.tag}@${s.tsMs}`)).length).toBe(0);
    // No window group read it.
    expect(await harness.lag(harness.windowGroup, t.enriched)).toBe(enriched.length);
  }, 480_000);
});
