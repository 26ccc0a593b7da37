// The simulator publishes the order in work on the shipped topologies' order tags (semantics
// section 11), the same references its order milestones carry, and where a work center has an
// order tag its quantity and scrap tags send bare counts (the milestones take the running order).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import type { RawSample } from '../../../src/core/types.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
import { loadTopologyFromString } from '../../../src/topology/index.js';

const H = 3_600_000;
const START = Date.UTC(2026, 5, 2, 3);

function simulate(file: string, hours: number): { samples: RawSample[]; plan: ReturnType<typeof load> } {
  const plan = load(file);
  const sim = createPlantSimulator(plan, { seed: 7, startMs: START, badShare: 0, duplicateShare: 0, lateShare: 0 });
  return { samples: sim.next(START + hours * H), plan };
}
function load(file: string) {
  return loadTopologyFromString(readFileSync(file, 'utf8'), file).plant;
}

describe.each(['topologies/stamping-berlin.yaml', 'topologies/packaging-chicago.yaml'])('%s', (file) => {
  it('has an order tag per work center that makes orders, and the simulator publishes on each', () => {
    const { samples, plan } = simulate(file, 12);
    const orderTags = [...plan.tags.values()].filter((t) => t.kind === 'order').map((t) => t.tag);
    expect(orderTags.length).toBeGreaterThanOrEqual(4);
    for (const tag of orderTags) {
      const values = samples.filter((s) => s.tag === tag).map((s) => s.value);
      expect(values.length, tag).toBeGreaterThan(0);
      for (const v of values) expect(v, tag).toMatch(/^WO\/2026\/\d{5}$/);
      // Each signal maps to an order event of the tag's work center.
      const first = samples.find((s) => s.tag === tag)!;
      const verdict = mapSample(plan, first);
      expect(verdict.ok && verdict.event.kind, tag).toBe('order');
    }
  });

  it("publishes the orders the machine's order milestones name, and bare counts on quantity and scrap tags", () => {
    const { samples, plan } = simulate(file, 24);
    for (const t of plan.tags.values()) {
      if (t.kind !== 'order') continue;
      const released = [...plan.tags.values()].find(
        (m) => m.kind === 'milestone' && m.milestone === 'order_released' && m.machineId === t.machineId,
      );
      const published = new Set(samples.filter((s) => s.tag === t.tag).map((s) => s.value));
      if (released !== undefined) {
        const named = new Set(samples.filter((s) => s.tag === released.tag).map((s) => s.value));
        expect(named.size, released.tag).toBeGreaterThan(0);
        expect(
          [...named].every((v) => published.has(v)),
          released.tag,
        ).toBe(true);
      }
    }
    const wcWithOrderTag = new Set(
      [...plan.tags.values()]
        .filter((t) => t.kind === 'order')
        .map((t) => plan.machines.get(t.machineId)!.workCenterId),
    );
    let counts = 0;
    for (const t of plan.tags.values()) {
      if (t.kind !== 'milestone' || (t.milestone !== 'quantity_completed' && t.milestone !== 'scrap_recorded'))
        continue;
      const wc = plan.machines.get(t.machineId)!.workCenterId;
      for (const s of samples.filter((x) => x.tag === t.tag)) {
        if (wcWithOrderTag.has(wc)) {
          expect(typeof s.value, t.tag).toBe('number');
          counts++;
        } else expect(typeof s.value, t.tag).toBe('string');
      }
    }
    expect(counts).toBeGreaterThan(0);
  });
});
