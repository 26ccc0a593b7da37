// Two two-stage `run` processes in one group (both consumer groups, 4 raw and 4 enriched
// partitions), one of them killed with -9 mid-run, after it produced summaries and checkpointed its
// window state, while its partitions still hold work it had not committed. Once its session
// expires the survivor takes its partitions over (restoring their Redis checkpoints) and drains
// the input alone; the last revisions must equal the batch reference, with no record differing
// between re-emits: nothing lost, nothing counted twice (issue 12 item 6).
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectReferenceFigures,
  PlantHarness,
  scrapeMetric,
  scrapeSeries,
  simulateRunInput,
  until,
  type ClientName,
  type RunProcess,
} from '../../support/pipeline-harness.js';

/** Partitions of `topics` a process holds: those it reported a consumer lag for (set on every batch it consumed). */
async function heldPartitions(p: RunProcess, topics: readonly string[]): Promise<Map<string, number[]>> {
  const held = new Map<string, number[]>(topics.map((topic) => [topic, []]));
  for (const { labels } of await scrapeSeries(p.httpPort, 'shiftstream_consumer_lag')) {
    const topic = /topic="([^"]+)"/.exec(labels)?.[1] ?? '';
    const partition = /partition="(\d+)"/.exec(labels)?.[1];
    if (partition !== undefined) held.get(topic)?.push(Number(partition));
  }
  for (const list of held.values()) list.sort((a, b) => a - b);
  return held;
}

const harnesses: PlantHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
});

describe('run: kill -9 one of two processes in one group (child processes, real Kafka, registry, Redis)', () => {
  for (const client of ['kafkajs', 'rdkafka'] as const satisfies readonly ClientName[]) {
    it(`${client}: the survivor takes over, the summaries equal the batch reference`, async () => {
      const h = await PlantHarness.create(`kill-one-${client}`);
      harnesses.push(h);
      const t = h.topology.topics;
      const input = simulateRunInput(h.topology, 12);
      // Three parts: one for both members, one produced just before the kill (work the victim has
      // fetched or will own but has not committed), one for the survivor alone.
      const part = (from: number, to: number): typeof input.samples =>
        input.samples.slice(Math.floor(from * input.samples.length), Math.floor(to * input.samples.length));
      const started = Date.now();

      const survivor = await h.start({ client, name: `${client}-survivor` });
      // The victim checkpoints (and so commits its window offsets) every 5 s, not every 1 s: the
      // kill, within a poll of its mapping the second part, then always finds work it has not
      // committed (at 1 s a quiet host once drained and committed the part first).
      const victim = await h.start({ client, name: `${client}-victim`, checkpointIntervalMs: 5_000 });
      await Promise.all([survivor.ready(), victim.ready()]);
      await h.produceSamples(part(0, 0.4));
      // The victim has done its share: summaries out and a window checkpoint of its own.
      const metric = (name: string, labels: Record<string, string> = {}): Promise<number> =>
        scrapeMetric(victim.httpPort, name, labels).catch(() => 0);
      await until(
        `${victim.name}: summaries produced and a checkpoint written`,
        60_000,
        async () =>
          (await metric('shiftstream_summaries_total')) > 0 &&
          (await metric('shiftstream_checkpoints_total', { outcome: 'ok' })) > 0
            ? true
            : undefined,
        [survivor, victim],
        50,
      );
      const inBefore = await metric('shiftstream_events_in_total', { topic: t.raw });
      await h.produceSamples(part(0.4, 0.6));
      // Killed as soon as it maps records of the new part: mid-batch or between outputs and checkpoint.
      await until(
        `${victim.name}: mapping the second part`,
        60_000,
        async () => ((await metric('shiftstream_events_in_total', { topic: t.raw })) > inBefore ? true : undefined),
        [survivor, victim],
        20,
      );
      // Its uncommitted work, on the partitions it holds (those it reported a consumer lag for).
      const held = await heldPartitions(victim, [t.raw, t.enriched]);
      const raw = held.get(t.raw)!;
      const enriched = held.get(t.enriched)!;
      const atKill = {
        raw,
        enriched,
        mapLag: await h.lag(h.mapGroup, t.raw, raw),
        windowLag: await h.lag(h.windowGroup, t.enriched, enriched),
      };
      await victim.kill9();
      await h.produceSamples(part(0.6, 1));
      await h.waitProcessed([survivor], 120_000);
      // The survivor alone holds every partition of both groups.
      const { groups } = await h.admin.describeGroups([h.mapGroup, h.windowGroup]);
      // describeGroups answers in no particular order.
      const members = groups
        .map((g) => [g.groupId, g.members.length])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(members).toEqual([
        [h.mapGroup, 1],
        [h.windowGroup, 1],
      ]);
      await survivor.stop();
      console.log(
        `[kill-one-of-two ${client}] ${input.samples.length} samples in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s; victim killed holding raw ${atKill.raw.join(',')} ` +
          `(map lag ${atKill.mapLag}) and enriched ${atKill.enriched.join(',')} (window lag ${atKill.windowLag})`,
      );
      // The victim held partitions of both topics and was killed with work it had not committed.
      expect(atKill.raw.length).toBeGreaterThan(0);
      expect(atKill.enriched.length).toBeGreaterThan(0);
      expect(atKill.mapLag + atKill.windowLag).toBeGreaterThan(0);

      await expectReferenceFigures(h, input.samples);
    });
  }
});
