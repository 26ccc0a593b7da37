// Durations in topology files: `250ms`, `30s`, `5m`, `8h`, `2d`, compounds such as `1h30m`,
// decimals such as `1.5s` (when they come to whole milliseconds), or integer milliseconds.
// They become integer `...Ms` values in the plan.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** A duration as written, in integer milliseconds; undefined when it is not a valid duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  PART_RE.lastIndex = 0;
  let total = 0;
  while (PART_RE.lastIndex < value.length) {
    const m = PART_RE.exec(value);
    if (m === null) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as Unit];
  }
  // Decimals must land on a whole millisecond (`1.5s` yes, `1.0005s` no). Round away binary noise first.
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-6 || !Number.isSafeInteger(rounded)) return undefined;
  return rounded;
}

/** True when `value` is a string in duration syntax (used by the schema's `duration` format). */
export function isDurationText(value: string): boolean {
  return parseDuration(value) !== undefined;
}

const FORMAT_UNITS: readonly (readonly [Unit, number])[] = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
  ['ms', UNIT_MS.ms],
];

/** Milliseconds back to the shortest compound text: 5400000 -> `1h30m`, 1500 -> `1s500ms`, 0 -> `0ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  let rest = ms;
  let out = '';
  for (const [unit, size] of FORMAT_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
