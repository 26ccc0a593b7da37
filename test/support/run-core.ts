// Drives the streaming core over raw samples like the engine does (map, then ingest), in batches.
import { mapSample } from '../../src/core/mapping.js';
import type { PlantPlan } from '../../src/core/plan.js';
import { WindowedProcessor, type LateRecord } from '../../src/core/processor.js';
import type { MachineEvent, RawSample, WindowSummary } from '../../src/core/types.js';

export interface CoreRun {
  readonly summaries: WindowSummary[];
  readonly late: LateRecord[];
  readonly processor: WindowedProcessor;
}

export function toEvents(plan: PlantPlan, samples: readonly RawSample[]): MachineEvent[] {
  const events: MachineEvent[] = [];
  for (const s of samples) {
    const v = mapSample(plan, s);
    if (v.ok) events.push(v.event);
  }
  return events;
}

export function runCore(
  plan: PlantPlan,
  samples: readonly RawSample[],
  batchSizes: readonly number[] = [1_000_000],
): CoreRun {
  const processor = new WindowedProcessor(plan);
  const events = toEvents(plan, samples);
  const summaries: WindowSummary[] = [];
  const late: LateRecord[] = [];
  let i = 0;
  let b = 0;
  while (i < events.length) {
    const size = Math.max(1, batchSizes[b++ % batchSizes.length] ?? 1);
    const out = processor.ingest(events.slice(i, i + size));
    summaries.push(...out.summaries);
    late.push(...out.late);
    i += size;
  }
  return { summaries, late, processor };
}

/** The last revision of every window, keyed `<windowName>/<windowId>/<workCenterId>`, without stream-only fields. */
export function lastRevisions(
  summaries: readonly WindowSummary[],
): Map<string, Omit<WindowSummary, 'revision' | 'lateSamples'>> {
  const result = new Map<string, Omit<WindowSummary, 'revision' | 'lateSamples'>>();
  const revs = new Map<string, number>();
  for (const s of summaries) {
    const key = `${s.windowName}/${s.windowId}/${s.workCenterId}`;
    if ((revs.get(key) ?? 0) >= s.revision) continue;
    revs.set(key, s.revision);
    const { revision: _r, lateSamples: _l, ...rest } = s;
    result.set(key, rest);
  }
  return result;
}
