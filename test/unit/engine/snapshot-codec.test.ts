// The checkpoint payload compressed off the event loop (issue 12) is the same bytes as the
// synchronous encoding, and restores to a processor that goes on exactly as the original.
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { WindowedProcessor } from '../../../src/core/processor.js';
import type { MachineEvent } from '../../../src/core/types.js';
import { AlignedWatermark } from '../../../src/core/watermarks.js';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotAsync } from '../../../src/engine/snapshot-codec.js';
import { createPlantSimulator } from '../../../src/sim/index.js';
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
});
