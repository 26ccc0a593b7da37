// Hand-built order summaries (docs/semantics.md section 11, OrderSummary in src/core/types.ts) for
// the orders poster's tests: one running share per (day, order, revision) of shift s1 (06:00-14:00 UTC).
import type { OrderSummary } from '../../src/core/types.js';

const SHIFT_MS = 8 * 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 6);

export function share(
  day: number,
  order: { ref: string | null; woId: number | null; moId?: number | null },
  revision: number,
  good: number,
  scrap: number,
  workCenterId = 'wc-1',
  plantId = 'plant-a',
): OrderSummary {
  const startMs = T0 + day * 86_400_000;
  const date = new Date(startMs).toISOString().slice(0, 10);
  return {
    plantId,
    workCenterId,
    windowKind: 'shift',
    windowName: 'shift',
    windowId: `${date}/s1`,
    shiftName: 's1',
    startMs,
    endMs: startMs + SHIFT_MS,
    startLocal: new Date(startMs).toISOString(),
    endLocal: new Date(startMs + SHIFT_MS).toISOString(),
    revision,
    final: true,
    lengthMs: SHIFT_MS,
    plannedMs: SHIFT_MS,
    runtimeMs: SHIFT_MS,
    downtimeMs: 0,
    downtimeByReason: {},
    timeByCategory: { running: SHIFT_MS, idle: 0, setup: 0, planned_stop: 0, down: 0, unknown: 0 },
    goodCount: good,
    scrapCount: scrap,
    counts: { good, scrap },
    inspectionsPassed: 0,
    inspectionsFailed: 0,
    stateChanges: 0,
    firstEventMs: startMs,
    lastEventMs: startMs + 1_000,
    samplesApplied: 2,
    lateSamples: 0,
    idealCycleTimeMs: null,
    availability: 1,
    performance: null,
    quality: null,
    oee: null,
    intervals: [
      {
        startMs,
        endMs: startMs + SHIFT_MS,
        category: 'running',
        reason: null,
        orderRef: order.ref,
        workOrderId: order.woId,
      },
    ],
    orderRef: order.ref,
    workOrderId: order.woId,
    productionId: order.moId ?? null,
    orderSource: order.ref === null ? null : 'odoo',
  };
}
