// Builds WindowSummary values for Odoo tests (only the fields the Odoo writer reads matter).
import type { StateCategory, StateInterval, WindowSummary } from '../../../../src/core/types.js';
import type { OdooMappingPlan } from '../../../../src/topology/types.js';
import { seededRandom } from '../../../../src/testkit/seeded-random.js';

export type Piece = readonly [StateCategory, number] | readonly ['down', number, string];

export interface SummarySpec {
  readonly plantId?: string;
  readonly workCenterId: string;
  readonly windowId: string;
  readonly startMs: number;
  readonly pieces: readonly Piece[];
  readonly revision?: number;
  readonly final?: boolean;
}

export function makeSummary(spec: SummarySpec): WindowSummary {
  const intervals: StateInterval[] = [];
  let t = spec.startMs;
  for (const p of spec.pieces) {
    intervals.push({
      startMs: t,
      endMs: t + p[1],
      category: p[0],
      reason: p[0] === 'down' ? (p[2] ?? 'unspecified') : null,
    });
    t += p[1];
  }
  const timeByCategory = { running: 0, idle: 0, setup: 0, planned_stop: 0, down: 0, unknown: 0 } as Record<
    StateCategory,
    number
  >;
  for (const i of intervals) timeByCategory[i.category] += i.endMs - i.startMs;
  return {
    plantId: spec.plantId ?? 'plant-a',
    workCenterId: spec.workCenterId,
    windowKind: 'shift',
    windowName: 'shift',
    windowId: spec.windowId,
    shiftName: spec.windowId.split('/')[1] ?? null,
    startMs: spec.startMs,
    endMs: t,
    startLocal: '',
    endLocal: '',
    revision: spec.revision ?? 1,
    final: spec.final ?? true,
    lengthMs: t - spec.startMs,
    plannedMs: t - spec.startMs - timeByCategory.planned_stop,
    runtimeMs: timeByCategory.running,
    downtimeMs: timeByCategory.down,
    downtimeByReason: {},
    timeByCategory,
    goodCount: 0,
    scrapCount: 0,
    counts: {},
    inspectionsPassed: 0,
    inspectionsFailed: 0,
    stateChanges: intervals.length,
    firstEventMs: spec.startMs,
    lastEventMs: t,
    samplesApplied: 0,
    lateSamples: 0,
    idealCycleTimeMs: null,
    availability: null,
    performance: null,
    quality: null,
    oee: null,
    intervals,
  };
}

export const MAPPING: OdooMappingPlan = {
  losses: new Map([
    ['running', 'mrp.block_reason7'],
    ['idle', 'Reduced Speed'],
    ['setup', 'mrp.block_reason2'],
    ['planned_stop', 'mrp.block_reason0'],
    ['down', 'mrp.block_reason1'],
    ['down/material', 'mrp.block_reason0'],
  ]),
  postCategories: ['running', 'idle', 'setup', 'planned_stop', 'down'],
};

/** A deterministic pseudo-random shift: contiguous pieces with odd millisecond lengths. */
export function randomShift(
  workCenterId: string,
  day: number,
  shift: number,
  seed: number,
  revision = 1,
): WindowSummary {
  const rnd = seededRandom((seed * 2654435761) >>> 0);
  const startMs = Date.UTC(2026, 2, 2 + day, shift * 8 - 2 < 0 ? 22 : shift * 8 - 2) + (shift === 0 ? -86_400_000 : 0);
  const lengthMs = 8 * 3_600_000;
  const pieces: Piece[] = [];
  const cats: StateCategory[] = ['running', 'idle', 'setup', 'down', 'running', 'planned_stop'];
  let left = lengthMs;
  let i = 0;
  while (left > 0) {
    const len = Math.min(left, 60_000 + Math.floor(rnd() * 3_000_000) + (i % 7));
    const cat = cats[Math.floor(rnd() * cats.length)] as StateCategory;
    pieces.push(cat === 'down' ? ['down', len, rnd() < 0.5 ? 'material' : 'jam'] : [cat, len]);
    left -= len;
    i += 1;
  }
  return makeSummary({
    workCenterId,
    windowId: `2026-03-${String(2 + day).padStart(2, '0')}/s${shift}`,
    startMs,
    pieces,
    revision,
  });
}
