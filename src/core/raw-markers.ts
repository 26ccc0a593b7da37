// End-of-input watermark markers on the raw topic (docs/semantics.md section 6.1). A file ingest ends
// with one on every raw partition, carrying the input's highest event time, so `run
// --event-time-only` closes what `replay` closes for the same file even where no tag of the file
// hashes to a partition. A marker is an ordinary RawSample (the registered schema, no new version)
// under a reserved tag no topology may use: every consumer of the raw topic decodes it, and a
// stage 1 that predates it rejects it as `unknown-tag` instead of applying it.
import { isInspection } from './inspections.js';
import { checkTimestamp, type MapContext } from './mapping.js';
import type { PlantPlan } from './plan.js';
import type { MachineEvent, RawSample } from './types.js';

/** Tags starting with this are shiftstream's own; the topology schema refuses them. */
export const RESERVED_TAG_PREFIX = '$shiftstream.';
export const WATERMARK_MARKER_TAG = `${RESERVED_TAG_PREFIX}watermark`;
/** The marker's value: what it marks (the only kind so far). */
export const END_OF_INPUT = 'end-of-input';
/** Kafka header on marker records, for consumers that filter without decoding (e.g. Connect's HasHeaderKey). */
export const MARKER_HEADER = 'shiftstream-marker';

/** The marker that says: this input's samples on this partition are done up to `tsMs`. */
export function watermarkMarker(tsMs: number): RawSample {
  return { tag: WATERMARK_MARKER_TAG, tsMs, value: END_OF_INPUT, quality: 'good' };
}

export function isWatermarkMarker(sample: RawSample): boolean {
  return sample.tag === WATERMARK_MARKER_TAG;
}

export type MarkerVerdict =
  | { readonly ok: true; readonly tsMs: number }
  | { readonly ok: false; readonly reason: 'ts-out-of-range' | 'invalid-event'; readonly detail: string };

/**
 * A marker's progress, checked like a sample's timestamp (absolute bounds always, the wall clock's
 * in live runs): an absurd marker would close every window at once, so it is rejected instead.
 */
export function markerProgress(plan: PlantPlan, sample: RawSample, ctx: MapContext = {}): MarkerVerdict {
  if (sample.value !== END_OF_INPUT)
    return {
      ok: false,
      reason: 'invalid-event',
      detail:
        `tag '${sample.tag}' (a watermark marker): value: expected '${END_OF_INPUT}', ` +
        `found ${JSON.stringify(sample.value)}`,
    };
  const problem = checkTimestamp(plan, sample.tsMs, ctx);
  if (problem !== undefined)
    return { ok: false, reason: 'ts-out-of-range', detail: `tag '${sample.tag}' (a watermark marker) ${problem}` };
  return { ok: true, tsMs: sample.tsMs };
}

/**
 * Whether a mapped event moves a replay's watermark (replay/runner.ts): every event but the
 * milestones of the critical lane; inspections count (section 9.4). The end-of-input marker
 * carries the highest ts of these, which is the instant `replay`'s natural watermark ends from.
 */
export function movesEventTime(event: MachineEvent): boolean {
  return event.kind !== 'milestone' || isInspection(event);
}
