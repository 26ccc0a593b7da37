// `shiftstream run` end to end on the real Kafka, registry and Redis, as a child process: a seeded
// simulated plant (out-of-order, late and bad samples) through both clients, then the same input
// with the processor killed (-9) and restarted at random points. The last revisions must equal the
// batch reference per enriched partition, and the crash run must equal the clean run.
import { afterAll, describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { takesOrderAtEventTime, type MilestoneRecord } from '../../../src/core/milestones.js';
import type { WindowSummary } from '../../../src/core/types.js';
import type { RejectedRecord } from '../../../src/ports/codecs.js';
import { Prng } from '../../../src/sim/index.js';
import {
  content,
  expectReferenceFigures,
  plain,
  PlantHarness,
  simulateRunInput,
  type ClientName,
  type RunProcess,
  type SimulatedPlant,
} from '../../support/pipeline-harness.js';

function plantInput(h: PlantHarness): SimulatedPlant {
  return simulateRunInput(h.topology, 7);
}

const harnesses: PlantHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
});

async function harness(prefix: string): Promise<PlantHarness> {
  const h = await PlantHarness.create(prefix);
  harnesses.push(h);
  return h;
}

/** Last-revision contents keyed without the plant id (runs of the same input under other plant ids compare equal). */
function byContent(last: ReadonlyMap<string, WindowSummary>): Map<string, unknown> {
  return new Map([...last].map(([k, s]) => [k, plain({ ...content(s), plantId: '-' })]));
}

/** Clean-run results per client, for the crash test. */
const clean = new Map<ClientName, Map<string, unknown>>();

describe('run end to end (child process, real Kafka, registry, Redis)', () => {
  for (const client of ['kafkajs', 'rdkafka'] as const) {
    it(`${client}: summaries equal the batch reference; rejects carry reasons; milestones arrive`, async () => {
      const h = await harness(`e2e-${client}`);
      const input = plantInput(h);
      await h.produceSamples(input.samples);
      const started = Date.now();
      const proc = await h.start({ client });
      await h.waitProcessed([proc], 90_000);
      const seconds = (Date.now() - started) / 1000;
      await proc.stop();
      console.log(
        `[e2e ${client}] ${input.samples.length} samples processed (both ` +
          `stages committed) ${seconds.toFixed(1)} s after the process start`,
      );

      const last = await expectReferenceFigures(h, input.samples);
      clean.set(client, byContent(last));

      const t = h.topology.topics;
      const plan = h.topology.plant;
      // Rejects: exactly the bad samples, each with the reason the mapping gives it.
      const bad = input.samples.filter((s) => !mapSample(plan, s).ok);
      expect(bad.length).toBe(input.notes.filter((n) => n.flag === 'bad').length);
      const rejected = await h.decodeAll<RejectedRecord>(await h.readTopic(t.rejected), h.codecs.rejected);
      const reasons = (list: string[]): string[] => list.sort();
      expect(reasons(rejected.map((r) => r.reason))).toEqual(
        reasons(bad.map((s) => (mapSample(plan, s) as { reason: string }).reason)),
      );
      expect(new Set(rejected.map((r) => r.reason))).toEqual(
        new Set(['bad-quality', 'unknown-tag', 'non-numeric-counter', 'ts-out-of-range']),
      );
      await h.codecs.prepare(rejected.map((r) => r.payload));
      for (const r of rejected) {
        expect(r.sourceTopic).toBe(t.raw);
        expect(r.detail).toContain(`${t.raw}[${r.sourcePartition}]@${r.sourceOffset}`);
        const d = h.codecs.raw.decode(r.payload);
        expect(d.ok && bad.some((s) => s.tag === d.value.tag && s.tsMs === d.value.tsMs)).toBe(true);
      }
      // Milestones: every valid milestone sample is on the milestones topic (plus down/up transitions).
      const milestones = await h.decodeAll<MilestoneRecord>(await h.readTopic(t.milestones), h.codecs.milestone);
      const got = new Set(milestones.map((m) => `${m.tag}@${m.tsMs}`));
      const want = input.samples.filter((s) => plan.tags.get(s.tag)?.kind === 'milestone' && mapSample(plan, s).ok);
      expect(want.length).toBeGreaterThan(10);
      // A milestone that takes the running order at its ts (bare quantities, section 9.3; lots,
      // section 13) waits in stage 2 until the watermark passes its ts: those of the input's last
      // tail (behind the slowest work center's last sample) are still waiting when the input ends.
      const lastOf = new Map<string, number>();
      for (const s of input.samples) {
        const v = mapSample(plan, s);
        if (v.ok) lastOf.set(v.event.workCenterId, Math.max(lastOf.get(v.event.workCenterId) ?? 0, s.tsMs));
      }
      const tail = Math.min(...lastOf.values()) - plan.eventTime.outOfOrdernessMs - plan.eventTime.graceMs;
      const waiting = (s: (typeof want)[number]): boolean => {
        const v = mapSample(plan, s);
        return v.ok && takesOrderAtEventTime(v.event) && s.tsMs >= tail;
      };
      expect(want.filter((s) => !got.has(`${s.tag}@${s.tsMs}`) && !waiting(s))).toEqual([]);
      expect(milestones.some((m) => m.kind === 'machine_down')).toBe(true);
      expect((await h.readTopic(t.late)).length).toBeGreaterThan(0);
    });
  }

  it(
    'kafkajs: killed with -9 at 10 random points and restarted, ' +
      'the summaries equal the clean run and the reference',
    async () => {
      const h = await harness('e2e-crash');
      const input = plantInput(h);
      // The input arrives in ten parts, one before each start, so every process finds work.
      const part = (k: number): typeof input.samples =>
        input.samples.slice(
          Math.floor((k * input.samples.length) / 10),
          Math.floor(((k + 1) * input.samples.length) / 10),
        );
      const t = h.topology.topics;
      const rng = new Prng(20260328);
      const kills: string[] = [];
      const started = Date.now();
      const lags = async (): Promise<[number, number]> => [
        await h.lag(h.mapGroup, t.raw),
        await h.lag(h.windowGroup, t.enriched),
      ];
      for (let k = 0; k < 10; k++) {
        await h.produceSamples(part(k));
        const proc: RunProcess = await h.start({
          client: 'kafkajs',
          name: `crash#${k + 1}`,
          checkpointIntervalMs: 1_000,
        });
        // Wait until this process makes progress (a commit of either stage), then kill it a random
        // 0..600 ms later: mid-batch, between outputs and checkpoint, or between checkpoints. (A
        // part drains in about 300 ms since stage 1 pipelines its batches, so the checkpoints are
        // 1 s apart: with 500 ms most kills found everything done and checkpointed.)
        const before = await lags();
        const progressed = await waitFor(
          async () => {
            proc.assertAlive();
            const now = await lags();
            if (now[0] === 0 && now[1] === 0) return 'done';
            return now[0] < before[0] || now[1] < before[1] ? 'progress' : undefined;
          },
          60_000,
          `crash#${k + 1}: progress after restart`,
        );
        const delayMs = Math.floor(rng.int(600));
        // the random kill point itself, not a wait for a condition
        if (progressed === 'progress') await new Promise((r) => setTimeout(r, delayMs));
        const at = await lags();
        await proc.kill9();
        kills.push(`#${k + 1} +${delayMs} ms (map lag ${at[0]}, window lag ${at[1]})`);
      }
      console.log(`[crash] 10 kills in ${((Date.now() - started) / 1000).toFixed(1)} s: ${kills.join('; ')}`);
      const last = await h.start({ client: 'kafkajs', name: 'crash#final', logLevel: 'info' });
      await last.ready();
      await h.waitProcessed([last], 90_000);
      await last.stop();

      const result = await expectReferenceFigures(h, input.samples);
      const cleanRun = clean.get('kafkajs');
      if (cleanRun !== undefined) expect(byContent(result)).toEqual(cleanRun);
      // Most kills must have hit a process with uncommitted work (else the test proves little).
      expect(kills.filter((k) => !k.includes('map lag 0, window lag 0)')).length).toBeGreaterThanOrEqual(7);
    },
  );
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
