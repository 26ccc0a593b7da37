// The material poster's world on the Odoo stand-in, set up over RPC like a plant's Odoo would be:
// a lot-tracked coil (component), a lot-tracked panel (finished) made from 2 coils per panel, two
// internal locations with coils on hand, a confirmed production and its work order on WC-01.
import type { MaterialPlan } from '../../src/core/material.js';
import type { MilestoneRecord } from '../../src/core/milestones.js';
import type { MaterialFacts } from '../../src/core/types.js';
import { createOdooClient, type OdooClient } from '../../src/io/odoo/client.js';
import {
  startOdooStandin,
  type OdooStandin,
  type OdooStandinOptions,
  type StandinVersion,
} from '../../src/testkit/odoo-standin/index.js';

export const PLAN: MaterialPlan = {
  topic: 'shiftstream.plant-a.material',
  genealogyTopic: 'shiftstream.plant-a.genealogy',
  products: new Map([
    ['COIL-DC04', { odoo: 'COIL', unit: 'Units' }],
    ['PANEL-A', { odoo: 'PANEL', unit: 'Units' }],
    ['BOLT-M8', { odoo: 'BOLT', unit: 'Units' }],
  ]),
  locations: new Map([
    ['COIL-STORE', 'WH/Stock/Coils'],
    ['PRESS-LINE', 'WH/Stock/Press'],
  ]),
  tags: new Map([['BLANK01.COIL_LOT', { product: 'COIL-DC04', quantity: 1, fromLocation: null, toLocation: null }]]),
};

export interface MaterialWorld {
  readonly standin: OdooStandin;
  readonly client: OdooClient;
  readonly coil: number;
  readonly panel: number;
  readonly bolt: number;
  readonly coilStore: number;
  readonly pressLine: number;
  readonly stock: number;
  readonly workcenter: number;
  /** Coil lots C-1..C-3, each with `onHand` (default 10) in COIL-STORE. */
  readonly lots: ReadonlyMap<string, number>;
  /** Confirms a production of `qty` panels (2 coils each) named `name`, with a work order on WC-01. */
  production(name: string, qty?: number, dateStart?: string): Promise<{ moId: number; woId: number; rawMove: number }>;
  close(): Promise<void>;
}

const one = (ids: unknown): number => (ids as number[])[0] as number;

export async function startMaterialWorld(
  version: StandinVersion,
  onHand = 10,
  options: Pick<OdooStandinOptions, 'addons'> = {},
): Promise<MaterialWorld> {
  const standin = await startOdooStandin({
    ...options,
    version,
    workCenters: [{ code: 'WC-01' }],
    products: [
      { default_code: 'COIL', name: 'Coil DC04', tracking: 'lot' },
      { default_code: 'PANEL', name: 'Panel A', tracking: 'lot' },
      { default_code: 'BOLT', name: 'Bolt M8' },
    ],
  });
  const client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 2_000,
    readRetry: { initialMs: 2, maxMs: 10, multiplier: 2, maxAttempts: 3 },
  });
  const product = async (code: string): Promise<number> =>
    one(await client.search('product.product', [['default_code', '=', code]]));
  const [coil, panel, bolt] = [await product('COIL'), await product('PANEL'), await product('BOLT')];
  const stock = one(await client.search('stock.location', [['complete_name', '=', 'WH/Stock']]));
  const coilStore = one(await client.create('stock.location', [{ name: 'Coils', location_id: stock }]));
  const pressLine = one(await client.create('stock.location', [{ name: 'Press', location_id: stock }]));
  const workcenter = one(await client.search('mrp.workcenter', [['code', '=', 'WC-01']]));
  const lots = new Map<string, number>();
  for (const name of ['C-1', 'C-2', 'C-3']) {
    const lot = one(await client.create('stock.lot', [{ name, product_id: coil, company_id: 1 }]));
    lots.set(name, lot);
    const quant = one(
      await client.callMethod('stock.quant', 'create', null, {
        vals_list: [{ product_id: coil, location_id: coilStore, lot_id: lot, inventory_quantity: onHand }],
        context: { inventory_mode: true },
      }),
    );
    await client.callMethod('stock.quant', 'action_apply_inventory', [quant], { context: { inventory_mode: true } });
  }
  const tmpl = (
    await client.searchRead<{ product_tmpl_id: [number, string] }>(
      'product.product',
      [['id', '=', panel]],
      ['product_tmpl_id'],
    )
  )[0]!.product_tmpl_id[0];
  const bom = one(
    await client.create('mrp.bom', [
      {
        product_tmpl_id: tmpl,
        product_id: panel,
        product_qty: 1,
        bom_line_ids: [[0, 0, { product_id: coil, product_qty: 2 }]],
      },
    ]),
  );
  return {
    standin,
    client,
    coil,
    panel,
    bolt,
    coilStore,
    pressLine,
    stock,
    workcenter,
    lots,
    async production(name, qty = 5, dateStart = '2026-03-02 05:00:00') {
      const moId = one(
        await client.create('mrp.production', [
          { name, product_id: panel, product_qty: qty, bom_id: bom, location_src_id: coilStore },
        ]),
      );
      await client.callMethod('mrp.production', 'action_confirm', [moId]);
      const [woId] = standin.store.create('mrp.workorder', [
        {
          name: `${name} press`,
          workcenter_id: workcenter,
          production_id: moId,
          state: 'progress',
          date_start: dateStart,
        },
      ]);
      const rawMove = one(await client.search('stock.move', [['raw_material_production_id', '=', moId]]));
      return { moId, woId: woId!, rawMove };
    },
    async close() {
      client.close();
      await standin.stop();
    },
  };
}

export const T0 = Date.UTC(2026, 2, 2, 6);

const facts = (f: Partial<MaterialFacts>): MaterialFacts => ({
  lot: null,
  product: null,
  unit: null,
  fromLocation: null,
  toLocation: null,
  package: null,
  deviceId: null,
  reference: null,
  ...f,
});

export function consumed(lot: string, quantity: number, at: number, orderRef: string | null = null): MilestoneRecord {
  return {
    plantId: 'plant-a',
    machineId: 'press-01',
    workCenterId: 'wc-1',
    kind: 'lot_consumed',
    tsMs: at,
    tag: null,
    reason: null,
    orderRef,
    quantity,
    material: facts({ lot, product: 'COIL-DC04', reference: `scan-${lot}-${at}` }),
  };
}

export function produced(lot: string, quantity: number, at: number, orderRef: string | null): MilestoneRecord {
  return {
    plantId: 'plant-a',
    machineId: 'press-01',
    workCenterId: 'wc-1',
    kind: 'lot_produced',
    tsMs: at,
    tag: null,
    reason: null,
    orderRef,
    quantity,
    material: facts({ lot, product: 'PANEL-A' }),
  };
}

export function moved(lot: string | null, quantity: number, at: number, from = 'COIL-STORE', to = 'PRESS-LINE') {
  const m: MilestoneRecord = {
    plantId: 'plant-a',
    machineId: '',
    workCenterId: '',
    kind: 'inventory_move',
    tsMs: at,
    tag: null,
    reason: null,
    orderRef: null,
    quantity,
    material: facts({
      lot,
      product: lot === null ? 'BOLT-M8' : 'COIL-DC04',
      fromLocation: from,
      toLocation: to,
      deviceId: 'scanner-7',
      reference: `wms-${at}`,
    }),
  };
  return m;
}
