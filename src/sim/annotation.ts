// The side channel that says what the simulator did to each sample on purpose. RawSample stays
// clean; the simulator keeps one packed integer per emitted sample and builds these objects only
// for callers that ask for them.
import type { EventKind } from '../core/types.js';
import { EVENT_KINDS } from '../core/types.js';

export const SAMPLE_FLAGS = ['normal', 'out_of_order', 'late', 'duplicate', 'bad'] as const;
/**
 * `normal`: emitted at its own ts. `out_of_order`: emitted 1 .. bound-1 ms after its ts.
 * `late`: emitted more than the bound after its ts. `duplicate`: an exact copy of the sample
 * emitted just before it. `bad`: an extra invalid sample (see `BadKind`).
 */
export type SampleFlag = (typeof SAMPLE_FLAGS)[number];

export const BAD_KINDS = ['quality_bad', 'unknown_tag', 'non_numeric_counter', 'timestamp_off'] as const;
/**
 * `quality_bad`: a copy of a valid sample with quality `bad`. `unknown_tag`: a valid sample's
 * value under a tag no topology knows. `non_numeric_counter`: a counter tag with a string value.
 * `timestamp_off`: a valid sample's tag and value with a ts decades off (seconds or microseconds
 * sent as milliseconds, or a PLC clock reset to 1970): outside 2000..2100.
 */
export type BadKind = (typeof BAD_KINDS)[number];

export interface SampleAnnotation {
  readonly flag: SampleFlag;
  /** Set when flag is `bad`. */
  readonly bad: BadKind | null;
  /** Simulated time at which the sample was emitted (>= tsMs except for `timestamp_off`). */
  readonly emitMs: number;
  /** emitMs - tsMs for `out_of_order` and `late`; 0 otherwise. */
  readonly delayMs: number;
  /** The machine the sample came from (for `unknown_tag`: the machine of the copied sample). */
  readonly machineId: string;
  /** The role of the tag the sample came from. */
  readonly kind: EventKind;
}

// Packed code: flag (3 bits) | bad kind (2 bits) << 3 | event kind (3 bits) << 5 | machine << 8.
export const FLAG_NORMAL = 0;
export const FLAG_OUT_OF_ORDER = 1;
export const FLAG_LATE = 2;
export const FLAG_DUPLICATE = 3;
export const FLAG_BAD = 4;

export const KIND_STATE = 0;
export const KIND_REASON = 1;
export const KIND_COUNTER = 2;
export const KIND_HEARTBEAT = 3;
export const KIND_MILESTONE = 4;
/** Index 6 of EVENT_KINDS (5 is `watermark`, never simulated). */
export const KIND_ORDER = 6;

export function packCode(flag: number, bad: number, kind: number, machine: number): number {
  return flag | (bad << 3) | (kind << 5) | (machine << 8);
}

export function withFlag(code: number, flag: number, bad: number): number {
  return (code & ~0x1f) | flag | (bad << 3);
}

export function decodeAnnotation(
  code: number,
  emitMs: number,
  tsMs: number,
  machineIds: readonly string[],
): SampleAnnotation {
  const flagCode = code & 7;
  const flag = SAMPLE_FLAGS[flagCode] ?? 'normal';
  return {
    flag,
    bad: flag === 'bad' ? (BAD_KINDS[(code >> 3) & 3] ?? null) : null,
    emitMs,
    delayMs: flagCode === FLAG_OUT_OF_ORDER || flagCode === FLAG_LATE ? emitMs - tsMs : 0,
    machineId: machineIds[code >> 8] ?? '',
    kind: EVENT_KINDS[(code >> 5) & 7] ?? 'state',
  };
}
