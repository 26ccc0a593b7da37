// Maintenance requests from downtime (docs/semantics.md section 12): which topology rules a final
// shift summary triggers, and the facts a request carries. Pure: the poster (io/odoo/
// maintenance-poster.ts) turns triggers into maintenance.request records.
import type { WindowSummary } from './types.js';

/** What a rule measures over the stops of one reason in one shift. */
export type MaintenanceThreshold =
  /** One stop longer than `ms`. */
  | { readonly kind: 'longerThan'; readonly ms: number }
  /** The stops' total longer than `ms`. */
  | { readonly kind: 'totalOver'; readonly ms: number }
  /** At least `count` stops. */
  | { readonly kind: 'count'; readonly count: number };

export interface MaintenanceRulePlan {
  readonly name: string;
  readonly workCenterId: string;
  readonly reason: string;
  readonly threshold: MaintenanceThreshold;
  /** maintenance.equipment code: its `serial_no`, else its `name`. */
  readonly equipment: string;
  /** maintenance.team name; null: Odoo's default (the equipment's team). */
  readonly team: string | null;
  readonly priority: '0' | '1' | '2' | '3' | null;
  readonly description: string | null;
}

export interface MaintenancePlan {
  /** A rule and equipment trigger at most one request within this long (by trigger time). */
  readonly cooldownMs: number;
  readonly rules: readonly MaintenanceRulePlan[];
  /** Planned maintenance: work center -> equipment codes whose preventive requests count for it. */
  readonly equipment: ReadonlyMap<string, readonly string[]>;
}

/** One stop: consecutive `down` intervals of the reason (an order change does not end a stop). */
export interface Stop {
  readonly startMs: number;
  readonly endMs: number;
  /** The orders running during it (section 11), sorted; empty when none was known. */
  readonly orders: readonly string[];
  /** Odoo work-order ids of those orders where known, sorted. */
  readonly workOrderIds: readonly number[];
}

export interface MaintenanceTrigger {
  readonly rule: MaintenanceRulePlan;
  readonly plantId: string;
  readonly workCenterId: string;
  readonly shiftId: string;
  readonly shiftStartMs: number;
  readonly shiftEndMs: number;
  readonly revision: number;
  /** The instant the threshold was crossed (event time): what the cooldown compares. */
  readonly triggerMs: number;
  readonly stops: readonly Stop[];
  readonly totalDownMs: number;
  readonly longestMs: number;
}

/** The evaluation of one rule on one shift summary. */
export type RuleOutcome =
  | { readonly fired: true; readonly trigger: MaintenanceTrigger }
  | { readonly fired: false; readonly rule: MaintenanceRulePlan; readonly totalDownMs: number; readonly stops: number };

interface IntervalLike {
  readonly startMs: number;
  readonly endMs: number;
  readonly category: string;
  readonly reason: string | null;
  readonly orderRef?: string | null | undefined;
  readonly workOrderId?: number | null | undefined;
}

/** The stops of `reason` in a summary's merged intervals, in time order. */
export function stopsOf(intervals: readonly IntervalLike[], reason: string): Stop[] {
  const sorted = intervals
    .filter((i) => i.category === 'down' && i.reason === reason && i.endMs > i.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  const out: Stop[] = [];
  let cur: { startMs: number; endMs: number; orders: Set<string>; wos: Set<number> } | null = null;
  const close = (): void => {
    if (cur === null) return;
    out.push({
      startMs: cur.startMs,
      endMs: cur.endMs,
      orders: [...cur.orders].sort(),
      workOrderIds: [...cur.wos].sort((a, b) => a - b),
    });
  };
  for (const i of sorted) {
    if (cur === null || i.startMs !== cur.endMs) {
      close();
      cur = { startMs: i.startMs, endMs: i.endMs, orders: new Set(), wos: new Set() };
    } else cur.endMs = i.endMs;
    if (typeof i.orderRef === 'string') cur.orders.add(i.orderRef);
    if (typeof i.workOrderId === 'number') cur.wos.add(i.workOrderId);
  }
  close();
  return out;
}

/** When the threshold is crossed, or null when it is not. */
function crossing(threshold: MaintenanceThreshold, stops: readonly Stop[]): number | null {
  switch (threshold.kind) {
    case 'longerThan': {
      for (const s of stops) if (s.endMs - s.startMs > threshold.ms) return s.startMs + threshold.ms;
      return null;
    }
    case 'totalOver': {
      let total = 0;
      for (const s of stops) {
        const len = s.endMs - s.startMs;
        if (total + len > threshold.ms) return s.startMs + (threshold.ms - total);
        total += len;
      }
      return null;
    }
    case 'count':
      return stops.length >= threshold.count ? (stops[threshold.count - 1] as Stop).startMs : null;
  }
}

/** Evaluates every rule of the summary's work center; only final shift summaries are evaluated. */
export function evaluateMaintenanceRules(plan: MaintenancePlan, summary: WindowSummary): RuleOutcome[] {
  if (summary.windowKind !== 'shift' || !summary.final) return [];
  const out: RuleOutcome[] = [];
  for (const rule of plan.rules) {
    if (rule.workCenterId !== summary.workCenterId) continue;
    const stops = stopsOf(summary.intervals, rule.reason);
    const totalDownMs = stops.reduce((a, s) => a + (s.endMs - s.startMs), 0);
    const at = crossing(rule.threshold, stops);
    if (at === null) {
      out.push({ fired: false, rule, totalDownMs, stops: stops.length });
      continue;
    }
    out.push({
      fired: true,
      trigger: {
        rule,
        plantId: summary.plantId,
        workCenterId: summary.workCenterId,
        shiftId: summary.windowId,
        shiftStartMs: summary.startMs,
        shiftEndMs: summary.endMs,
        revision: summary.revision,
        triggerMs: at,
        stops,
        totalDownMs,
        longestMs: stops.reduce((a, s) => Math.max(a, s.endMs - s.startMs), 0),
      },
    });
  }
  return out;
}

/** How a threshold reads in a request: `one stop longer than 10 min`. */
export function describeThreshold(t: MaintenanceThreshold): string {
  const min = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);
  switch (t.kind) {
    case 'longerThan':
      return `one stop longer than ${min(t.ms)}`;
    case 'totalOver':
      return `more than ${min(t.ms)} down in the shift`;
    case 'count':
      return `${t.count} stops or more in the shift`;
  }
}
