// reconcile --kind material, produced lots, against the stand-in (17: lot_producing_id, 19:
// lot_producing_ids): a lot shiftstream created (its note holds the plant's marker) that is a
// production's producing lot, with no lot_produced event in the topics, is `extra` when its instant
// is in the range; a lot set by hand (no marker) is not compared; events posted are clean.
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import { createMaterialHandler, materialItem, materialLedgerOn } from '../../../src/io/odoo/material-poster.js';
import { readMaterialInOdoo } from '../../../src/io/odoo/material-reader.js';
import { reconcileMaterial, type KeyedEvent } from '../../../src/engine/reconcile-material.js';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import { PLAN, T0, produced, startMaterialWorld, type MaterialWorld } from '../../support/material-fixture.js';

let w: MaterialWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

function keyed(m: MilestoneRecord): KeyedEvent {
  const item = materialItem(PLAN, m);
  if (item.event === null) throw new Error(`rejected: ${item.reject?.detail}`);
  return { key: item.key, event: item.event };
}

describe.each([17, 19] as const)('reconcile material: produced lots on Odoo %i', (version) => {
  it('a marked producing lot without its event is extra; a hand-set lot is not; posted events are clean', async () => {
    w = await startMaterialWorld(version);
    const world = w;
    await world.production('WH/MO/00011');
    await world.production('WH/MO/00012');
    const { moId: handMo } = await world.production('WH/MO/00013');
    const handler = createMaterialHandler({
      client: world.client,
      ledger: materialLedgerOn(createMemoryKeyValue()),
      plan: PLAN,
      workCenterId: async (wc) => (wc === 'wc-1' ? world.workcenter : undefined),
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
      insufficient: 'refuse',
    });
    const a = keyed(produced('P-11', 5, T0, 'WH/MO/00011'));
    const b = keyed(produced('P-12', 5, T0 + 60_000, 'WH/MO/00012'));
    for (const e of [a, b]) expect((await handler.handle(e.event, e.key)).status).toBe('posted');
    // A lot a person made and set on a production shiftstream knows nothing of.
    const [hand] = await world.client.create('stock.lot', [{ name: 'H-1', product_id: world.panel, company_id: 1 }]);
    await world.client.write(
      'mrp.production',
      [handMo],
      version >= 19 ? { lot_producing_ids: [[4, hand!]] } : { lot_producing_id: hand! },
    );

    const run = async (events: KeyedEvent[], fromMs = T0 - 3_600_000, toMs = T0 + 3_600_000) => {
      const produce = new Map<string, string[]>();
      for (const { event: e } of events)
        if (e.kind === 'lot_produced' && e.orderRef !== null && e.lot !== null)
          produce.set(e.orderRef, [...(produce.get(e.orderRef) ?? []), e.lot]);
      const odoo = await readMaterialInOdoo({ client: world.client, plantId: 'plant-a', produced: produce });
      return reconcileMaterial({ events, fromMs, toMs, odoo });
    };

    const clean = await run([a, b]);
    expect(clean.differences).toEqual([]);
    expect(clean.inOdoo).toBe(2);

    const lotB = world.standin.records('stock.lot').find((l) => l['name'] === 'P-12')!;
    const extra = await run([a]);
    expect(extra.differences).toEqual([
      expect.objectContaining({
        kind: 'extra',
        key: b.key,
        odooId: lotB['id'],
        expected: 'no event',
        found: 'lot P-12 of PANEL produced by WH/MO/00012',
      }),
    ]);
    // Out of the range (the note's instant is T0+60s): not this period's extra.
    expect((await run([a], T0 - 3_600_000, T0 + 1)).differences).toEqual([]);
    // Nothing in the topics at all: both marked lots, never the hand-set one.
    expect((await run([])).differences.map((d) => d.found)).toEqual([
      'lot P-11 of PANEL produced by WH/MO/00011',
      'lot P-12 of PANEL produced by WH/MO/00012',
    ]);
    // A lot unlinked from its production by a person is no producing lot any more: not extra.
    await world.client.write(
      'mrp.production',
      [world.standin.records('mrp.production').find((m) => m['name'] === 'WH/MO/00012')!['id'] as number],
      version >= 19 ? { lot_producing_ids: [[3, lotB['id'] as number]] } : { lot_producing_id: false },
    );
    expect((await run([a])).differences).toEqual([]);
  });
});
