// The critical lane's pure part: milestone records from mapped events, including machine down/up
// transitions derived from state samples in arrival order (the critical lane does not wait for
// the watermark: "at once" beats event-time order here; the windowed lane stays exact).
import type { Inspection, MachineEvent, MaterialFacts, MilestoneKind } from './types.js';

export interface MilestoneRecord {
  readonly plantId: string;
  readonly machineId: string;
  readonly workCenterId: string;
  readonly kind: MilestoneKind;
  readonly tsMs: number;
  readonly tag: string | null;
  /** machine_down: the downtime reason; quality_hold / quality_release: the hold's reason, when given. */
  readonly reason: string | null;
  readonly orderRef: string | null;
  readonly quantity: number | null;
  /** inspection_passed / inspection_failed: measure, test and limits when known (section 9). */
  readonly inspection?: Inspection | undefined;
  /** lot_consumed / lot_produced / inventory_move: what moved (section 13). */
  readonly material?: MaterialFacts | undefined;
}

/**
 * Milestones that name the order through the stage-1 order tag (section 10) when the value cannot.
 * Not quantities and scrap: the tag is the table as known at arrival, which must not decide a
 * posted quantity (section 9.3); they take the order at their ts from stage 2, or none.
 */
const RUNNING_ORDER_KINDS: ReadonlySet<MilestoneKind> = new Set([
  'inspection_passed',
  'inspection_failed',
  'quality_hold',
  'quality_release',
  'lot_consumed',
  'lot_produced',
]);

/** Material milestones: a mapped tag's string value is the lot, never the order (section 13). */
const LOT_VALUE_KINDS: ReadonlySet<MilestoneKind> = new Set(['lot_consumed', 'lot_produced', 'inventory_move']);

function lotFacts(event: MachineEvent): MaterialFacts | undefined {
  if (event.milestone === undefined || !LOT_VALUE_KINDS.has(event.milestone)) return undefined;
  const lot = typeof event.value === 'string' && event.value !== '' ? event.value : null;
  return {
    lot,
    product: null,
    unit: null,
    fromLocation: null,
    toLocation: null,
    package: null,
    deviceId: null,
    reference: null,
  };
}

/**
 * Quantity and scrap milestones that do not name their order themselves (a bare count): with order
 * attribution (semantics section 11) they take the order running at their ts, from stage 2, once
 * the watermark has passed that ts (semantics section 9.3).
 */
export const EVENT_TIME_ORDER_KINDS: ReadonlySet<MilestoneKind> = new Set([
  'quantity_completed',
  'scrap_recorded',
  // Section 13: a consumption or produced lot belongs to the order running at its instant.
  'lot_consumed',
  'lot_produced',
]);

/**
 * The order a milestone names itself: the canonical orderRef, else a string value that is no reason
 * (a material milestone's string value is its lot, never its order).
 */
export function ownOrderRef(event: MachineEvent): string | null {
  if (event.milestone !== undefined && LOT_VALUE_KINDS.has(event.milestone)) return event.orderRef ?? null;
  return event.orderRef ?? (typeof event.value === 'string' && event.reason === undefined ? event.value : null);
}

/** True when the milestone waits for stage 2's running order at its ts (with order attribution on). */
export function takesOrderAtEventTime(event: MachineEvent): boolean {
  return (
    event.kind === 'milestone' &&
    event.milestone !== undefined &&
    EVENT_TIME_ORDER_KINDS.has(event.milestone) &&
    ownOrderRef(event) === null
  );
}

/** The milestone record of a milestone event, with the order it belongs to. */
export function milestoneRecordOf(event: MachineEvent, orderRef: string | null): MilestoneRecord {
  return {
    plantId: event.plantId,
    machineId: event.machineId,
    workCenterId: event.workCenterId,
    kind: event.milestone!,
    tsMs: event.tsMs,
    tag: event.tag,
    reason: event.reason ?? null,
    orderRef,
    quantity: event.quantity ?? null,
    inspection: event.inspection,
    ...(LOT_VALUE_KINDS.has(event.milestone!) ? { material: lotFacts(event) } : {}),
  };
}

export interface MilestoneTrackerOptions {
  /**
   * Order attribution is on (stage 2 knows the running order in event time): quantity and scrap
   * milestones without an order of their own are left to stage 2 (`takesOrderAtEventTime`).
   */
  readonly orderAtEventTime?: boolean;
}

export interface MilestoneTracker {
  /** Milestones this event raises (none, one for a milestone tag or a down/up transition). */
  observe(event: MachineEvent): MilestoneRecord | undefined;
  /** Per machine: whether it is down, as last observed (for checkpoints). */
  snapshot(): Record<string, boolean>;
}

export function createMilestoneTracker(
  initial: Record<string, boolean> = {},
  options: MilestoneTrackerOptions = {},
): MilestoneTracker {
  const down = new Map<string, { down: boolean; tsMs: number }>();
  for (const [m, d] of Object.entries(initial)) down.set(m, { down: d, tsMs: -Infinity });
  const deferred = options.orderAtEventTime === true;
  return {
    observe(event) {
      if (event.kind === 'milestone' && event.milestone !== undefined) {
        const material = lotFacts(event);
        if (material !== undefined && deferred && takesOrderAtEventTime(event)) return undefined;
        if (material !== undefined)
          return {
            plantId: event.plantId,
            machineId: event.machineId,
            workCenterId: event.workCenterId,
            kind: event.milestone,
            tsMs: event.tsMs,
            tag: event.tag,
            reason: null,
            orderRef: event.orderRef ?? event.runningOrder ?? null,
            quantity: event.quantity ?? null,
            inspection: undefined,
            material,
          };
        if (deferred && takesOrderAtEventTime(event)) return undefined;
        return milestoneRecordOf(
          event,
          ownOrderRef(event) ?? (RUNNING_ORDER_KINDS.has(event.milestone) ? (event.runningOrder ?? null) : null),
        );
      }
      if (event.kind !== 'state') return undefined;
      const prev = down.get(event.machineId);
      // An older sample (behind the last one seen) does not flip the live state.
      if (prev !== undefined && event.tsMs < prev.tsMs) return undefined;
      const isDown = event.category === 'down';
      down.set(event.machineId, { down: isDown, tsMs: event.tsMs });
      if (isDown === (prev?.down ?? false)) return undefined;
      return {
        plantId: event.plantId,
        machineId: event.machineId,
        workCenterId: event.workCenterId,
        kind: isDown ? 'machine_down' : 'machine_up',
        tsMs: event.tsMs,
        tag: event.tag,
        reason: isDown ? (event.reason ?? 'unspecified') : null,
        orderRef: null,
        quantity: null,
        inspection: undefined,
      };
    },
    snapshot() {
      const out: Record<string, boolean> = {};
      for (const [m, s] of [...down.entries()].sort()) out[m] = s.down;
      return out;
    },
  };
}
