// Planned maintenance as planned time (docs/semantics.md section 12): inside a preventive
// maintenance request that Odoo schedules for a work center, the work center's time is
// `planned_stop` with reason `planned-maintenance`, whatever the PLC says, unless it is running.
// Pure: `orders sync` reads the requests and publishes them with the work center's orders snapshot
// (core/orders.ts `plannedMaintenance`); the processor holds the latest list per work center.
import type { StateInterval } from './types.js';

/** One scheduled preventive request of a work center, [startMs, endMs). */
export interface PlannedStop {
  readonly requestId: number;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

export const PLANNED_MAINTENANCE_REASON = 'planned-maintenance';

export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

/** The union of the stops as sorted, disjoint, non-adjacent spans (empty stops dropped). */
export function plannedSpans(stops: readonly PlannedStop[]): Span[] {
  const sorted = stops.filter((s) => s.endMs > s.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: { startMs: number; endMs: number }[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.startMs <= last.endMs) last.endMs = Math.max(last.endMs, s.endMs);
    else out.push({ startMs: s.startMs, endMs: s.endMs });
  }
  return out;
}

/** True when a span overlaps [startMs, endMs). */
export function overlapsAny(spans: readonly Span[], startMs: number, endMs: number): boolean {
  for (const s of spans) if (s.startMs < endMs && s.endMs > startMs) return true;
  return false;
}

/**
 * The rule applied to consecutive intervals (covering a range without gaps): the parts inside a
 * span that are not `running` become `planned_stop`/`planned-maintenance`; equal neighbours merge.
 */
export function applyPlanned(intervals: readonly StateInterval[], spans: readonly Span[]): StateInterval[] {
  const out: StateInterval[] = [];
  const push = (startMs: number, endMs: number, category: StateInterval['category'], reason: string | null): void => {
    if (endMs <= startMs) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.endMs === startMs && last.category === category && last.reason === reason) {
      out[out.length - 1] = { startMs: last.startMs, endMs, category, reason };
      return;
    }
    out.push({ startMs, endMs, category, reason });
  };
  let k = 0;
  for (const iv of intervals) {
    if (iv.category === 'running') {
      push(iv.startMs, iv.endMs, iv.category, iv.reason);
      continue;
    }
    while (k > 0 && spans[k - 1]!.endMs > iv.startMs) k--;
    while (k < spans.length && spans[k]!.endMs <= iv.startMs) k++;
    let t = iv.startMs;
    for (let j = k; j < spans.length && spans[j]!.startMs < iv.endMs; j++) {
      const s = spans[j]!;
      const a = Math.max(t, s.startMs);
      const b = Math.min(iv.endMs, s.endMs);
      push(t, a, iv.category, iv.reason);
      push(a, b, 'planned_stop', PLANNED_MAINTENANCE_REASON);
      t = b;
    }
    push(t, iv.endMs, iv.category, iv.reason);
  }
  return out;
}
