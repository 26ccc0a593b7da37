// Scale out and in mid-run: 2 `run` processes in one group, then 3, then 1. Partitions (and the
// window state, through the Redis checkpoints) move between members; the last revisions must
// still equal the batch reference, with no record differing between re-emits.
import { afterAll, describe, it } from 'vitest';
import {
  expectReferenceFigures,
  PlantHarness,
  simulateRunInput,
  until,
  type ClientName,
  type RunProcess,
} from '../../support/pipeline-harness.js';

const harnesses: PlantHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
});

describe('run: rebalances (child processes, real Kafka, registry, Redis)', () => {
  for (const client of ['kafkajs', 'rdkafka'] as const satisfies readonly ClientName[]) {
    it(`${client}: 2 processes, then 3, then 1 mid-run: the summaries equal the batch reference`, async () => {
      const h = await PlantHarness.create(`rebalance-${client}`);
      harnesses.push(h);
      const t = h.topology.topics;
      const input = simulateRunInput(h.topology, 9);
      // Four parts: one for 2 members, one for 3, one produced while 2 of them leave, one for the last alone.
      const quarter = Math.floor(input.samples.length / 4);
      const parts = [0, 1, 2, 3].map((k) =>
        input.samples.slice(k * quarter, k === 3 ? input.samples.length : (k + 1) * quarter),
      );
      const events: string[] = [];
      const started = Date.now();
      /** Sum of the window group's committed offsets: grows with checkpointed progress. */
      const committed = async (): Promise<number> => {
        const [c] = await h.admin.fetchOffsets({ groupId: h.windowGroup, topics: [t.enriched] });
        return (c?.partitions ?? []).reduce((acc, p) => acc + Math.max(0, Number(p.offset)), 0);
      };
      const progress = async (procs: readonly RunProcess[], what: string): Promise<void> => {
        const from = await committed();
        await until(what, 60_000, async () => ((await committed()) > from ? true : undefined), procs, 100);
        events.push(`${what}: committed ${from} -> ${await committed()}`);
      };

      const a = await h.start({ client, name: `${client}-A` });
      const b = await h.start({ client, name: `${client}-B` });
      await Promise.all([a.ready(), b.ready()]);
      const p1 = h.produceSamples(parts[0]!);
      await progress([a, b], '2 members');
      await p1;

      const c = await h.start({ client, name: `${client}-C` });
      await c.ready();
      const p2 = h.produceSamples(parts[1]!);
      await progress([a, b, c], '3 members');
      await p2;

      // Two members leave (SIGTERM: flush, checkpoint, leave the group) while part 3 arrives.
      const p3 = h.produceSamples(parts[2]!);
      await Promise.all([a.stop(), b.stop(), p3]);
      await h.produceSamples(parts[3]!);
      await progress([c], '1 member');
      await h.waitProcessed([c], 120_000);
      await c.stop();
      console.log(
        `[rebalance ${client}] ${input.samples.length} samples in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s: ${events.join('; ')}`,
      );

      await expectReferenceFigures(h, input.samples);
    });
  }
});
