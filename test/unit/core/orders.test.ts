import { describe, expect, it } from 'vitest';
import {
  OrdersTable,
  parseOrdersSnapshot,
  runningOrderOf,
  runningWorkOrder,
  type OrderLine,
  type OrdersSnapshot,
} from '../../../src/core/orders.js';
import { machineEvent, withRunningOrder } from '../../../src/core/types.js';
import type { OrdersSnapshot as SyncSnapshot } from '../../../src/engine/orders-sync.js';

const T = Date.UTC(2026, 5, 1, 6, 0, 0);
const H = 3_600_000;

function wo(
  workOrderId: number,
  state: string,
  dateStartMs: number | null,
  productionName: string | null = `MO/${workOrderId}`,
): OrderLine {
  return {
    workOrderId,
    name: `WO ${workOrderId}`,
    state,
    productionId: workOrderId + 100,
    productionName,
    productId: 7,
    productName: 'Bracket',
    qtyProduction: 100,
    qtyProduced: 0,
    dateStartMs,
  };
}

function snapshot(workCenterId: string, workOrders: OrderLine[]): OrdersSnapshot {
  return { version: 1, plantId: 'p', workCenterId, odooWorkcenterId: 3, atMs: T, workOrders };
}

describe('running order rule', () => {
  it('picks, among the work orders in progress started at or before t, the latest start', () => {
    const list = [
      wo(1, 'progress', T),
      wo(2, 'progress', T + H),
      wo(3, 'ready', T + 2 * H),
      wo(4, 'progress', T + 3 * H),
    ];
    expect(runningWorkOrder(list, T - 1)).toBeNull();
    expect(runningWorkOrder(list, T)?.workOrderId).toBe(1);
    expect(runningWorkOrder(list, T + H - 1)?.workOrderId).toBe(1);
    expect(runningWorkOrder(list, T + H)?.workOrderId).toBe(2);
    // Work order 3 is not in progress: it never runs, whatever its start.
    expect(runningWorkOrder(list, T + 2 * H + 5)?.workOrderId).toBe(2);
    expect(runningWorkOrder(list, T + 3 * H)?.workOrderId).toBe(4);
  });

  it('breaks a tie on the start by the smallest work order id, whatever the list order', () => {
    expect(runningWorkOrder([wo(9, 'progress', T), wo(5, 'progress', T), wo(7, 'progress', T)], T)?.workOrderId).toBe(
      5,
    );
    expect(runningWorkOrder([wo(5, 'progress', T), wo(9, 'progress', T)], T)?.workOrderId).toBe(5);
  });

  it('ignores work orders in progress without a start, and answers null for an empty list', () => {
    expect(runningWorkOrder([wo(1, 'progress', null)], T)).toBeNull();
    expect(runningWorkOrder([], T)).toBeNull();
  });

  it("tags with the production's name, else the work order's name", () => {
    expect(runningOrderOf(wo(1, 'progress', T))).toEqual({ order: 'MO/1', workOrderId: 1 });
    expect(runningOrderOf(wo(2, 'progress', T, null))).toEqual({ order: 'WO 2', workOrderId: 2 });
  });
});

describe('OrdersTable', () => {
  it('answers the rule per work center; a new snapshot replaces the list, a tombstone clears it', () => {
    const table = new OrdersTable();
    table.apply(snapshot('wc-1', [wo(1, 'progress', T), wo(2, 'progress', T + H)]));
    table.apply(snapshot('wc-2', [wo(3, 'confirmed', T)]));
    expect(table.runningAt('wc-1', T + 30 * 60_000)).toEqual({ order: 'MO/1', workOrderId: 1 });
    expect(table.runningAt('wc-1', T + H)).toEqual({ order: 'MO/2', workOrderId: 2 });
    expect(table.runningAt('wc-2', T + H)).toBeNull();
    expect(table.runningAt('wc-9', T + H)).toBeNull();
    expect(table.size).toBe(1);
    table.apply(snapshot('wc-1', [wo(1, 'progress', T)]));
    expect(table.runningAt('wc-1', T + H)).toEqual({ order: 'MO/1', workOrderId: 1 });
    table.clear('wc-1');
    expect(table.runningAt('wc-1', T + H)).toBeNull();
    expect(table.size).toBe(0);
  });

  it('returns the same tag object for every event of a snapshot (nothing allocated per look-up)', () => {
    const table = new OrdersTable();
    table.apply(snapshot('wc-1', [wo(1, 'progress', T)]));
    expect(table.runningAt('wc-1', T + 1)).toBe(table.runningAt('wc-1', T + 2));
  });
});

describe('parseOrdersSnapshot', () => {
  const good = snapshot('wc-1', [wo(1, 'progress', T)]);

  it('reads what orders sync publishes (its OrdersSnapshot type is this one)', () => {
    const published: SyncSnapshot = good;
    const check: OrdersSnapshot = published;
    expect(parseOrdersSnapshot(JSON.stringify(check), 'p')).toEqual({ ok: true, snapshot: good });
  });

  it(
    'refuses text that is not JSON, another version, another ' +
      'plant, and lines the rule cannot read, saying what it expected',
    () => {
      const bad = (text: string): string => {
        const v = parseOrdersSnapshot(text, 'p');
        if (v.ok) throw new Error(`expected a refusal of ${text}`);
        return v.detail;
      };
      expect(bad('not json')).toMatch(/^expected an OrdersSnapshot as JSON, found text that is not JSON/);
      expect(bad('[1]')).toBe('expected an OrdersSnapshot object, found [1]');
      expect(bad(JSON.stringify({ ...good, version: 2 }))).toBe('version: expected 1, found 2');
      expect(bad(JSON.stringify({ ...good, plantId: 'q' }))).toBe(`plantId: expected 'p', found "q"`);
      expect(bad(JSON.stringify({ ...good, workCenterId: '' }))).toBe(
        'workCenterId: expected a work center id, found ""',
      );
      expect(bad(JSON.stringify({ ...good, workOrders: {} }))).toBe(
        'workOrders: expected a list of work orders, found {}',
      );
      expect(
        bad(JSON.stringify({ ...good, workOrders: [{ ...wo(1, 'progress', T), dateStartMs: '2026-06-01' }] })),
      ).toBe('workOrders[0].dateStartMs: expected epoch milliseconds or null, found "2026-06-01"');
      expect(
        bad(JSON.stringify({ ...good, workOrders: [wo(1, 'progress', T), { ...wo(2, 'progress', T), state: 3 }] })),
      ).toBe('workOrders[1].state: expected a string, found 3');
      expect(bad(JSON.stringify({ ...good, workOrders: [{ ...wo(1, 'progress', T), workOrderId: 1.5 }] }))).toBe(
        'workOrders[0].workOrderId: expected an integer, found 1.5',
      );
    },
  );
});

describe('withRunningOrder', () => {
  it('sets and clears the tag, keeping every other field and the one event shape', () => {
    const e = machineEvent(
      { plantId: 'p', machineId: 'm', workCenterId: 'wc-1', tag: 'm.STATE', tsMs: T, kind: 'state', value: 1 },
      { category: 'running' },
    );
    const tagged = withRunningOrder(e, { order: 'MO/1', workOrderId: 1 });
    expect(tagged).toEqual({ ...e, runningOrder: 'MO/1', runningWorkOrderId: 1 });
    expect(Object.keys(tagged)).toEqual(Object.keys(e));
    const cleared = withRunningOrder(tagged, null);
    expect(cleared.runningOrder).toBeUndefined();
    expect(cleared.runningWorkOrderId).toBeUndefined();
    expect(Object.keys(cleared)).toEqual(Object.keys(e));
  });
});
