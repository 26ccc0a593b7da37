// Replay, demo and run give the same order summaries for the same input (docs/semantics.md section
// 11): the simulated Berlin plant (its order tags name the orders; out-of-order, late, duplicate and
// bad samples included) from 10 minutes before an early shift, as a historian export through
// `shiftstream replay`, in-process through the demo (embedded log, the simulator it runs itself),
// and on the real Kafka, registry and Redis through `shiftstream run` (child process). For every
// whole shift all three closed, each (work center, order) share's last revision has the same
// content; the stream-only fields (revision, lateSamples: when a sample counts as late depends on
// the partitioning) and the plant id (each run has its own) are left out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedTransport } from '../../../src/cli/demo-transports.js';
import { main } from '../../../src/cli/main.js';
import type { OrderSummary } from '../../../src/core/types.js';
import { runDemo } from '../../../src/demo/demo.js';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import { samplesToNdjson } from '../../../src/sim/index.js';
import { computeMilestoneOrders } from '../../../src/testkit/reference.js';
import { expectConservation, withoutNullOrderKeys } from '../../support/attribution.js';
import { collectSummaries, PlantHarness, plain, simulatePlant } from '../../support/pipeline-harness.js';

const SEED = 21;
const START = Date.UTC(2026, 5, 2, 3, 50); // 05:50 Berlin, 10 minutes before the early shift
const DURATION = 17 * 3_600_000; // to 22:50: the early and the late shift close

let harness: PlantHarness | undefined;
afterAll(async () => {
  await harness?.close();
});

type Shares = Map<string, unknown>;

/** Last revision per (shift, work center, order) of the shifts starting at or after START. */
function lastShares(orders: readonly OrderSummary[]): Map<string, OrderSummary> {
  const last = new Map<string, OrderSummary>();
  for (const o of orders) {
    if (o.startMs < START) continue;
    const key = `${o.windowId}|${o.workCenterId}|${o.orderRef ?? ''}`;
    const prev = last.get(key);
    if (prev === undefined || prev.revision <= o.revision) last.set(key, o);
  }
  return last;
}

function comparable(last: Map<string, OrderSummary>): Shares {
  return new Map(
    [...last].map(([k, o]) => {
      const { revision: _r, lateSamples: _l, ...rest } = o;
      return [k, plain(withoutNullOrderKeys({ ...rest, plantId: '-' }))];
    }),
  );
}

const readNdjson = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

describe('order summaries: replay, demo and run agree', () => {
  it('same input, same last revision of every order share of every whole shift', async () => {
    harness = await PlantHarness.create('ordagree');
    const h = harness;
    const input = simulatePlant(h.topology, { seed: SEED, startMs: START, untilMs: START + DURATION });
    const dir = mkdtempSync(join(tmpdir(), 'ordagree-'));

    // replay: the same samples as a historian export.
    const exportFile = join(dir, 'export.ndjson');
    writeFileSync(exportFile, samplesToNdjson(input.samples));
    const err: string[] = [];
    const code = await main(
      ['replay', '--topology', h.topologyPath, '--input', exportFile, '--out', join(dir, 'replay'), '--no-progress'],
      {
        stdout: { write: () => true } as never,
        stderr: { write: (s: string) => err.push(s) } as never,
        signal: new AbortController().signal,
        cwd: dir,
      },
    );
    expect(code, err.join('')).toBe(0);
    const replayed = readNdjson<OrderSummary>(join(dir, 'replay', 'order-summaries.ndjson'));

    // demo: the simulator it runs itself, seeded alike, through the pipeline on the embedded log.
    const demoOut = join(dir, 'demo');
    const demo = await runDemo({
      topology: h.topology,
      transport: embeddedTransport(h.topology),
      odooPreview: () => [],
      outDir: demoOut,
      speed: 1e9,
      seed: SEED,
      startMs: START,
      durationMs: DURATION,
      signal: new AbortController().signal,
      out: { write: () => true } as unknown as NodeJS.WritableStream,
      nowMs: () => Date.now(),
    });
    expect(demo.stoppedBy).toBe('duration');
    // The demo's end sends the lot scans the simulator still held (milestones, no figures) as well.
    expect(demo.samples - demo.endSamples).toBe(input.samples.length);
    const demoed = readNdjson<OrderSummary>(join(demoOut, 'order-summaries.ndjson'));
    expect(demoed.length).toBe(demo.orderSummaries);

    // run: the samples on the raw topic, `shiftstream run` as a child process.
    await h.produceSamples(input.samples);
    const p = await h.start({ client: 'kafkajs' });
    await h.waitProcessed([p], 180_000);
    await p.stop();
    const records = await h.readTopic(h.topology.topics.orderSummaries);
    const ran = await h.decodeAll<OrderSummary>(records, h.codecs.orderSummary);

    const sources = { replay: lastShares(replayed), demo: lastShares(demoed), run: lastShares(ran) };
    // The whole shifts every source closed (the end of input closes different ones: the replay's
    // last watermark is the input's, the pipeline's the aligned one of its partitions).
    const closed = (m: Map<string, OrderSummary>) => new Set([...m.values()].map((o) => o.windowId));
    const common = [...closed(sources.replay)].filter((w) => closed(sources.demo).has(w) && closed(sources.run).has(w));
    expect(common.sort()).toEqual(['2026-06-02/early', '2026-06-02/late']);
    const pick = (m: Map<string, OrderSummary>) =>
      comparable(new Map([...m].filter(([, o]) => common.includes(o.windowId))));
    const want = pick(sources.replay);
    expect(want.size).toBeGreaterThan(12);
    // Orders named by the plant's order tags, on every work center.
    const named = [...sources.replay.values()].filter((o) => common.includes(o.windowId) && o.orderRef !== null);
    expect(new Set(named.map((o) => o.workCenterId)).size).toBe(6);
    for (const [name, got] of [
      ['demo', pick(sources.demo)],
      ['run', pick(sources.run)],
    ] as const) {
      expect([...got.keys()].sort(), name).toEqual([...want.keys()].sort());
      const diff = [...want].filter(([k, v]) => !isDeepStrictEqual(got.get(k), v)).map(([k]) => k);
      expect(diff, `${name}: shares that differ from replay`).toEqual([]);
    }
    // Milestones with bare counts (QTY_DONE, SCRAP_BOOKED) carry the order running at their ts,
    // the same in all three and equal to the batch reference (section 9.3); up to an hour before
    // the end of input, where every source has released them.
    const until = START + DURATION - 3_600_000;
    const bare = (ms: readonly MilestoneRecord[]) =>
      ms
        .filter((m) => (m.kind === 'quantity_completed' || m.kind === 'scrap_recorded') && m.tsMs < until)
        .map((m) => `${m.tsMs}|${m.tag}|${m.quantity}|${m.orderRef}`)
        .sort();
    const wantMs = computeMilestoneOrders(input.samples, h.topology.plant)
      .filter((m) => m.tsMs < until)
      .map((m) => `${m.tsMs}|${m.tag}|${m.quantity}|${m.orderRef}`)
      .sort();
    expect(wantMs.length).toBeGreaterThan(20);
    expect(wantMs.every((m) => !m.endsWith('|null'))).toBe(true);
    const ranMs = await h.decodeAll<MilestoneRecord>(
      await h.readTopic(h.topology.topics.milestones),
      h.codecs.milestone,
    );
    for (const [name, ms] of [
      ['replay', readNdjson<MilestoneRecord>(join(dir, 'replay', 'milestones.ndjson'))],
      ['demo', readNdjson<MilestoneRecord>(join(demoOut, 'milestones.ndjson'))],
      ['run', ranMs],
    ] as const)
      expect(bare(ms), name).toEqual(wantMs);

    // And the run's last order shares add up to its last shift summaries (retracted shares end earlier).
    const shifts = [...(await collectSummaries(h)).last.values()].filter(
      (s) => s.windowKind === 'shift' && s.startMs >= START,
    );
    const lastOf = new Set(shifts.map((s) => `${s.windowId}|${s.workCenterId}|${s.revision}`));
    const shares = [...sources.run.values()].filter((o) => lastOf.has(`${o.windowId}|${o.workCenterId}|${o.revision}`));
    expect(expectConservation(plain(shifts) as typeof shifts, plain(shares) as typeof shares)).toBe(shifts.length);
  }, 400_000);
});
