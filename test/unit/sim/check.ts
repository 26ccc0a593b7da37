// An independent validity check of raw samples against a plan (what the tag mapping would accept),
// and a few helpers the simulator tests share.
import type { PlantPlan } from '../../../src/core/plan.js';
import { valueKey } from '../../../src/core/plan.js';
import type { RawSample, StateCategory } from '../../../src/core/types.js';
import type { BadKind } from '../../../src/sim/index.js';

export const ORDER_REF = /^WO\/\d{4}\/\d{5}$/;
/** Coil lots and the blank stacks cut from them (semantics section 13: a material tag's value is the lot). */
export const LOT_REF = /^(STK-)?LOT-\d{4}-\d{6}$/;
const MATERIAL: ReadonlySet<string> = new Set(['lot_consumed', 'lot_produced', 'inventory_move']);

export type Problem =
  | 'quality'
  | 'unknown-tag'
  | 'ts-off'
  | 'state-value'
  | 'reason-value'
  | 'counter-value'
  | 'heartbeat-value'
  | 'milestone-value';

/** The problem each bad kind must show. */
export const PROBLEM_OF_BAD: Record<BadKind, Problem> = {
  quality_bad: 'quality',
  unknown_tag: 'unknown-tag',
  timestamp_off: 'ts-off',
  non_numeric_counter: 'counter-value',
};

/** Why the sample is invalid, or null. `aroundMs` .. ± `maxSkewMs` is the plausible time range. */
export function problemOf(plan: PlantPlan, s: RawSample, aroundMs: number, maxSkewMs: number): Problem | null {
  if (s.quality !== 'good') return 'quality';
  const t = plan.tags.get(s.tag);
  if (t === undefined) return 'unknown-tag';
  if (!Number.isInteger(s.tsMs) || Math.abs(s.tsMs - aroundMs) > maxSkewMs) return 'ts-off';
  switch (t.kind) {
    case 'state':
      return t.values.has(valueKey(s.value)) ? null : 'state-value';
    case 'reason':
      return !t.strict || t.values.has(valueKey(s.value)) ? null : 'reason-value';
    case 'counter': {
      const v = s.value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return 'counter-value';
      if (t.mode === 'delta' && v === 0) return 'counter-value';
      if (t.rolloverAt !== undefined && v >= t.rolloverAt) return 'counter-value';
      return null;
    }
    case 'heartbeat':
      return typeof s.value === 'number' ? null : 'heartbeat-value';
    case 'milestone': {
      if (typeof s.value !== 'string') return 'milestone-value';
      if (MATERIAL.has(t.milestone) && LOT_REF.test(s.value)) return null;
      if (!MATERIAL.has(t.milestone) && ORDER_REF.test(s.value)) return null;
      try {
        const body = JSON.parse(s.value) as { orderRef?: unknown };
        return typeof body.orderRef === 'string' && ORDER_REF.test(body.orderRef) ? null : 'milestone-value';
      } catch {
        return 'milestone-value';
      }
    }
    case 'order':
      return null; // any value names an order ("" none); the simulator sends no order signals yet
  }
}

export function categoryOf(plan: PlantPlan, s: RawSample): StateCategory | null {
  const t = plan.tags.get(s.tag);
  if (t === undefined || t.kind !== 'state') return null;
  return t.values.get(valueKey(s.value))?.category ?? null;
}

/** Stable sort by ts (ties keep emission order). */
export function byTs<T extends { readonly tsMs: number }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => a.item.tsMs - b.item.tsMs || a.i - b.i)
    .map((x) => x.item);
}
