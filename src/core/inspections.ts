// Inspections in the figures (docs/semantics.md section 9.4): each inspection_passed /
// inspection_failed milestone counts one in the summaries of the windows holding its instant.
// The windowed lane keeps it as a delta counter of 1 in a history of its own per work center, so
// duplicates, lateness, amendments, checkpoints, pruning and order attribution are exactly the
// counters' rules, while the machine's silence (section 3) stays that of its machine samples.
import { INSPECTION_FAILED_COUNTER, INSPECTION_PASSED_COUNTER } from './history.js';
import { machineEvent, type MachineEvent } from './types.js';

/** The history an inspection milestone of a work center is kept in ('#' is never a machine id). */
export function inspectionsMachineId(workCenterId: string): string {
  return `#inspections/${workCenterId}`;
}

export function isInspection(event: MachineEvent): boolean {
  return event.milestone === 'inspection_passed' || event.milestone === 'inspection_failed';
}

/** The counter sample an inspection milestone is counted as (its tag, ts and raw value kept). */
export function inspectionCount(event: MachineEvent): MachineEvent {
  return machineEvent(
    {
      plantId: event.plantId,
      machineId: inspectionsMachineId(event.workCenterId),
      workCenterId: event.workCenterId,
      tag: event.tag,
      tsMs: event.tsMs,
      kind: 'counter',
      value: event.value,
    },
    {
      counter: event.milestone === 'inspection_passed' ? INSPECTION_PASSED_COUNTER : INSPECTION_FAILED_COUNTER,
      mode: 'delta',
      amount: 1,
    },
  );
}
