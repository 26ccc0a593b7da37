// Order tagging for core tests: random orders tables, and stage 1's tagging simulated over a
// sample stream (the table as known when each sample is mapped, with updates between samples).
import fc from 'fast-check';
import { mapSample } from '../../src/core/mapping.js';
import { OrdersTable, type OrderLine } from '../../src/core/orders.js';
import { valueKey, type PlantPlan } from '../../src/core/plan.js';
import { withRunningOrder, type MachineEvent, type RawSample } from '../../src/core/types.js';

/**
 * Longer streams than sampleStream's (whose arrays stay short at fast-check's default size): up
 * to `parts` of them back to back, each shifted to start where the previous one ended.
 */
export function chainedStream(shape: StreamShape, parts: number): fc.Arbitrary<RawSample[]> {
  return fc.array(sampleStream(shape), { minLength: 1, maxLength: parts, size: 'max' }).map((chunks) => {
    const out: RawSample[] = [];
    let offset = 0;
    for (const chunk of chunks) {
      for (const s of chunk) out.push({ ...s, tsMs: s.tsMs + offset });
      offset = out[out.length - 1]!.tsMs - T0;
    }
    return out;
  });
}
import { sampleStream, T0, type StreamShape } from './streams.js';

const STATES = ['progress', 'progress', 'progress', 'ready', 'pending', 'done'] as const;

/** A work order list: a few ids, states and starts around the stream's start (some equal, some null). */
export function orderLines(maxLength = 5): fc.Arbitrary<OrderLine[]> {
  const line = fc.record({
    workOrderId: fc.integer({ min: 1, max: 12 }),
    state: fc.constantFrom(...STATES),
    startStep: fc.option(fc.integer({ min: -4, max: 14 }), { nil: null, freq: 8 }),
    production: fc.integer({ min: 0, max: 5 }),
  });
  return fc.array(line, { maxLength, size: 'max' }).map((lines) =>
    lines.map((l) => ({
      workOrderId: l.workOrderId,
      name: `WO ${l.workOrderId}`,
      state: l.state,
      productionId: l.production === 0 ? null : l.production,
      productionName: l.production === 0 ? null : `MO/${l.production}`,
      productId: null,
      productName: null,
      qtyProduction: 10,
      qtyProduced: 0,
      // Starts on a 5-minute grid, so equal starts (ties) and starts equal to sample times occur.
      dateStartMs: l.startStep === null ? null : T0 + l.startStep * 300_000,
    })),
  );
}

export interface TableUpdate {
  /** Applied before the sample at this position of the stage-1 order. */
  readonly atIndex: number;
  readonly workCenterId: string;
  /** null: a tombstone. */
  readonly workOrders: readonly OrderLine[] | null;
}

/**
 * The table read at start (one list per work center WC1..WCn, before the first sample), then
 * updates and tombstones at random positions of a stream of up to `length` samples.
 */
export function tableUpdates(workCenters: number, length: number): fc.Arbitrary<TableUpdate[]> {
  const initial = fc.tuple(...Array.from({ length: workCenters }, () => orderLines()));
  const later = fc.array(
    fc.record({
      atIndex: fc.integer({ min: 1, max: length }),
      workCenterId: fc.integer({ min: 1, max: workCenters }).map((i) => `WC${i}`),
      workOrders: fc.option(orderLines(), { nil: null, freq: 8 }),
    }),
    { maxLength: 8 },
  );
  return fc
    .tuple(initial, later)
    .map(([first, rest]) => [
      ...first.map((workOrders, i) => ({ atIndex: 0, workCenterId: `WC${i + 1}`, workOrders })),
      ...rest.sort((a, b) => a.atIndex - b.atIndex),
    ]);
}

/** Identity of a sample (exact duplicates share it). */
export function sampleKey(e: { tag: string; tsMs: number; value: number | string | boolean }): string {
  return `${e.tag}\u0000${e.tsMs}\u0000${valueKey(e.value)}`;
}

export interface TaggedStream {
  /** Mapped events with their tags, in stage-1 order (invalid samples dropped). */
  readonly events: MachineEvent[];
  /** The tag of each sample identity (the first copy's: a duplicate is applied once, with the first copy's tag). */
  readonly orderOf: ReadonlyMap<string, string | null>;
}

/** Stage 1 over `samples`: each sample is mapped and tagged with the table as known at that point. */
export function tagStream(
  plan: PlantPlan,
  samples: readonly RawSample[],
  updates: readonly TableUpdate[],
): TaggedStream {
  const table = new OrdersTable();
  const events: MachineEvent[] = [];
  const orderOf = new Map<string, string | null>();
  let u = 0;
  samples.forEach((s, i) => {
    for (; u < updates.length && updates[u]!.atIndex <= i; u++) {
      const up = updates[u]!;
      if (up.workOrders === null) table.clear(up.workCenterId);
      else table.apply({ workCenterId: up.workCenterId, workOrders: up.workOrders });
    }
    const v = mapSample(plan, s);
    if (!v.ok) return;
    // A later exact copy gets the first copy's tag. (Stage 1 tags a re-read copy with the table of
    // its own time; stage 2 applies whichever copy comes first: README, order tagging. Giving the
    // copies one tag keeps the arrival-order properties about the rest.)
    const key = sampleKey(s);
    const running = table.runningAt(v.event.workCenterId, v.event.tsMs);
    const first = orderOf.get(key);
    const e = first === undefined ? withRunningOrder(v.event, running) : events.find((x) => sampleKey(x) === key)!;
    events.push(e);
    if (first === undefined) orderOf.set(key, e.runningOrder ?? null);
  });
  return { events, orderOf };
}
