// The checkpoint payload compressed off the event loop (issue 12) is the same bytes as the
// synchronous encoding, and restores to a processor that goes on exactly as the original.
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { MachineEvent } from '../../../src/core/types.js';
import { AlignedWatermark } from '../../../src/core/watermarks.js';
import {
  decodeSnapshot,
  encodeProcessorSnapshotInSteps,
  encodeSnapshot,
  encodeSnapshotAsync,
} from '../../../src/engine/snapshot-codec.js';
import { createPlantSimulator, syntheticPlan } from '../../../src/sim/index.js';
import type { PlantPlan } from '../../../src/core/plan.js';
import { loadTopology } from '../../../src/topology/index.js';

const plan = loadTopology('topologies/stamping-berlin.yaml').plant;

function events(n: number, seed: number): MachineEvent[] {
  const sim = createPlantSimulator(plan, { seed, startMs: Date.UTC(2026, 5, 2, 4) });
  return sim.nextCount(n).flatMap((s) => {
    const v = mapSample(plan, s);
    return v.ok ? [v.event] : [];
  });
}

describe('stage snapshot codec', () => {
  it('encodeSnapshotAsync: the bytes of encodeSnapshot; the restored processor continues identically', async () => {
    const all = events(6000, 5);
    const head = all.slice(0, 4000);
    const tail = all.slice(4000);
    const p = new WindowedProcessor(plan);
    p.ingest(head);
    const et = plan.eventTime;
    const snap = {
      v: 1 as const,
      processor: p.snapshot(),
      watermark: new AlignedWatermark(et.outOfOrdernessMs, et.idleTimeoutMs).snapshot(),
    };
    const sync = encodeSnapshot(snap);
    const async = await encodeSnapshotAsync(snap);
    expect(Buffer.compare(async, sync)).toBe(0);
    expect(async.length).toBeGreaterThan(100);
    const restored = WindowedProcessor.restore(plan, decodeSnapshot(async).processor);
    expect(JSON.stringify(restored.ingest(tail))).toBe(JSON.stringify(p.ingest(tail)));
  });

  it('encodeProcessorSnapshotInSteps: the same bytes, with turns of the event loop between machines', async () => {
    // 200 machines (several steps of 64), order signals and an Odoo snapshot (keys after `machines`).
    const base = syntheticPlan({ machines: 200, amendmentHorizonMs: 3_600_000, idealCycleTimeMs: 10_000 });
    const orderTag = (m: string): string => `${m}.RUN_ORDER`;
    const big: PlantPlan = {
      ...base,
      tags: new Map([
        ...base.tags,
        ...[...base.workCenters.values()].map(
          (wc) =>
            [
              orderTag(wc.stateMachineId),
              {
                ...base.tags.values().next().value!,
                kind: 'order',
                tag: orderTag(wc.stateMachineId),
                machineId: wc.stateMachineId,
              },
            ] as const,
        ),
      ]),
    };
    const startMs = Date.UTC(2026, 2, 27);
    const sim = createPlantSimulator(big, { seed: 3, startMs, lateShare: 0, badShare: 0 });
    const p = new WindowedProcessor(big);
    const wc0 = [...big.workCenters.values()][0]!;
    p.applyOrdersSnapshot({
      workCenterId: wc0.workCenterId,
      atMs: startMs,
      workOrders: [
        {
          workOrderId: 7,
          name: 'WO/7',
          state: 'progress',
          productionId: 3,
          productionName: 'MO/3',
          productId: null,
          productName: null,
          qtyProduction: 1,
          qtyProduced: 0,
          dateStartMs: startMs - 60_000,
          dateFinishedMs: null,
        },
      ],
    });
    const samples = sim.nextCount(20_000);
    samples.push({ tag: orderTag(wc0.stateMachineId), tsMs: samples.at(-1)!.tsMs, value: 'MO/9', quality: 'good' });
    p.ingest(
      samples.flatMap((x) => {
        const v = mapSample(big, x);
        return v.ok ? [v.event] : [];
      }),
    );
    const et = big.eventTime;
    const watermark = new AlignedWatermark(et.outOfOrdernessMs, et.idleTimeoutMs).snapshot();
    const sync = encodeSnapshot({ v: 1, processor: p.snapshot(), watermark });
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const stepped = await encodeProcessorSnapshotInSteps(p, watermark);
    ticking = false;
    expect(Buffer.compare(stepped, sync)).toBe(0);
    expect(decodeSnapshot(stepped).processor.orders?.length).toBeGreaterThan(0);
    expect(decodeSnapshot(stepped).processor.machines.length).toBe(200);
    // Encoding (4 steps) and JSON (4 steps): the loop turned in between.
    expect(turns).toBeGreaterThanOrEqual(6);
    // No machines at all: still the same bytes.
    const empty = new WindowedProcessor(big);
    expect(
      Buffer.compare(
        await encodeProcessorSnapshotInSteps(empty, watermark),
        encodeSnapshot({ v: 1, processor: empty.snapshot(), watermark }),
      ),
    ).toBe(0);
  });
});
