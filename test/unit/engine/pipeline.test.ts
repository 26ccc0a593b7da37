import { describe, expect, it } from 'vitest';
import { computeWindowSummaries } from '../../../src/testkit/reference.js';
import type { RawSample, WindowSummary } from '../../../src/core/types.js';
import { createPlantSimulator, type SampleAnnotation } from '../../../src/sim/index.js';
import { loadTopology } from '../../../src/topology/index.js';
import { drained, embedded, windowed } from '../../support/embedded.js';
import { lastRevisions } from '../../support/run-core.js';

const topology = loadTopology('topologies/stamping-berlin.yaml');
const t = topology.topics;

function simulate(hours: number): { samples: RawSample[]; notes: SampleAnnotation[] } {
  const sim = createPlantSimulator(topology.plant, {
    seed: 11,
    startMs: Date.UTC(2026, 2, 28, 12),
    lateShare: 0.002,
    badShare: 0.002,
    outOfOrderShare: 0.02,
  });
  const notes: SampleAnnotation[] = [];
  const samples = sim.next(Date.UTC(2026, 2, 28, 12) + hours * 3_600_000, notes);
  return { samples, notes };
}

describe('pipeline on the embedded log', () => {
  it('summaries equal the batch reference per enriched partition; bad samples are dead-lettered', async () => {
    const { samples, notes } = simulate(18); // across the spring-forward night (01:00Z)
    const env = embedded(topology);
    const { codecs, log } = env;
    log.append(samples.map((s) => ({ topic: t.raw, key: s.tag, value: codecs.raw.encode(s) })));
    const { pipeline, done } = env.start();
    await drained(log, 'test-map', [t.raw]);
    await windowed(log, pipeline, t.enriched);
    const watermarks = new Map(pipeline.windowStage.watermarks().map((w) => [w.partition, w.watermarkMs]));
    await pipeline.stop();
    await done;
    await codecs.prepare(log.topicNames().flatMap((topic) => log.records(topic).map((r) => r.value)));

    const decode = (topic: string): WindowSummary[] =>
      log.records(topic).map((r) => {
        const d = codecs.summary.decode(r.value!);
        if (!d.ok) throw new Error(d.detail);
        return d.value;
      });
    const got = lastRevisions([...decode(t.windowSummaries), ...decode(t.shiftSummaries)]);
    expect(got.size).toBeGreaterThan(100);

    // Per enriched partition: its work centers, its watermark, the reference on their samples.
    const plan = topology.plant;
    let compared = 0;
    for (let p = 0; p < log.partitionCount(t.enriched); p++) {
      const wcs = new Set(
        log
          .records(t.enriched, p)
          .map(
            (r) => (codecs.event.decode(r.value!) as { ok: true; value: { workCenterId: string } }).value.workCenterId,
          ),
      );
      if (wcs.size === 0) continue;
      const mine = samples.filter((s) => {
        const tag = plan.tags.get(s.tag);
        return tag !== undefined && wcs.has(plan.machines.get(tag.machineId)!.workCenterId);
      });
      const watermarkMs = watermarks.get(p);
      expect(watermarkMs, `watermark of partition ${p}`).toBeGreaterThan(Date.UTC(2026, 2, 29, 5));
      const want = lastRevisions(computeWindowSummaries(mine, plan, { watermarkMs: watermarkMs! }));
      for (const [key, summary] of want) {
        expect(got.get(key), key).toEqual(summary);
        compared++;
      }
      for (const key of got.keys()) if (wcs.has(key.split('/').at(-1)!)) expect(want.has(key), key).toBe(true);
    }
    expect(compared).toBe(got.size);

    const rejected = log
      .records(t.rejected)
      .map((r) => codecs.rejected.decode(r.value!))
      .map((d) => (d.ok ? d.value.reason : 'undecodable'));
    expect(rejected.length).toBe(notes.filter((n) => n.flag === 'bad').length);
    expect(new Set(rejected)).toEqual(
      new Set(['bad-quality', 'unknown-tag', 'non-numeric-counter', 'ts-out-of-range']),
    );
    expect(log.records(t.milestones).length).toBeGreaterThan(0);
    expect(log.records(t.late).length).toBeGreaterThan(0);
  }, 300_000); // 203 s once in a full run beside four other jobs (load 12)
});
