// reconcile --kind material, packages of transfers, against the stand-in (17: stock.quant.package,
// 19: stock.package): the package an inventory move names is the result package of its transfer's
// picked line; a transfer whose line went into another package, into none, or into one the event
// does not name is `altered`; posted events are clean.
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryKeyValue } from '../../../src/io/memory/memory-key-value.js';
import { createMaterialHandler, materialItem, materialLedgerOn } from '../../../src/io/odoo/material-poster.js';
import { readMaterialInOdoo } from '../../../src/io/odoo/material-reader.js';
import { reconcileMaterial, type KeyedEvent } from '../../../src/engine/reconcile-material.js';
import type { MilestoneRecord } from '../../../src/core/milestones.js';
import { PLAN, T0, moved, startMaterialWorld, type MaterialWorld } from '../../support/material-fixture.js';

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

const packed = (m: MilestoneRecord, pkg: string): MilestoneRecord => ({
  ...m,
  material: { ...m.material!, package: pkg },
});

describe.each([17, 19] as const)('reconcile material: packages on Odoo %i', (version) => {
  it('a transfer line in another package, in none, or in one the event does not name is altered', async () => {
    w = await startMaterialWorld(version);
    const world = w;
    const handler = createMaterialHandler({
      client: world.client,
      ledger: materialLedgerOn(createMemoryKeyValue()),
      plan: PLAN,
      workCenterId: async () => undefined,
      retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
      insufficient: 'refuse',
    });
    const inPallet = keyed(packed(moved('C-1', 2, T0), 'PAL-1'));
    const loose = keyed(moved('C-2', 1, T0 + 60_000));
    for (const e of [inPallet, loose]) expect((await handler.handle(e.event, e.key)).status).toBe('posted');
    const events = [inPallet, loose];
    const run = async () => {
      const odoo = await readMaterialInOdoo({ client: world.client, plantId: 'plant-a', produced: new Map() });
      return reconcileMaterial({ events, fromMs: T0 - 3_600_000, toMs: T0 + 3_600_000, odoo });
    };
    const clean = await run();
    expect(clean.differences).toEqual([]);
    expect(clean.inOdoo).toBe(2);

    const model = version >= 19 ? 'stock.package' : 'stock.quant.package';
    const [other] = world.standin.store.create(model, [{ name: 'PAL-9' }]);
    const lineOf = (e: KeyedEvent) => {
      const picking = world.standin.records('stock.picking').find((p) => String(p['origin']).includes(e.key))!;
      return world.standin.records('stock.move.line').find((l) => l['picking_id'] === picking['id'])!;
    };
    const altered = async () =>
      (await run()).differences.map(
        (d) => `${d.kind} ${d.key === inPallet.key ? 'pallet' : 'loose'} ${d.expected} | ${d.found}`,
      );

    // Into another package behind shiftstream's back.
    world.standin.store.update('stock.move.line', lineOf(inPallet)['id'] as number, { result_package_id: other });
    expect(await altered()).toEqual([
      'altered pallet C-1 WH/Stock/Coils -> WH/Stock/Press x2 package PAL-1 done | ' +
        'C-1 WH/Stock/Coils -> WH/Stock/Press x2 package PAL-9 done',
    ]);
    // Out of any package; and the loose one put into a pallet.
    world.standin.store.update('stock.move.line', lineOf(inPallet)['id'] as number, { result_package_id: false });
    world.standin.store.update('stock.move.line', lineOf(loose)['id'] as number, { result_package_id: other });
    expect((await altered()).sort()).toEqual([
      'altered loose C-2 WH/Stock/Coils -> WH/Stock/Press x1 done | ' +
        'C-2 WH/Stock/Coils -> WH/Stock/Press x1 package PAL-9 done',
      'altered pallet C-1 WH/Stock/Coils -> WH/Stock/Press x2 package PAL-1 done | ' +
        'C-1 WH/Stock/Coils -> WH/Stock/Press x2 done',
    ]);
  });
});
