// Material events (docs/semantics.md section 13): a material milestone (lot_consumed, lot_produced,
// inventory_move) from a mapped plant tag or from the canonical material topic, completed from the
// topology's tag entry and checked against the plant's product and location code maps. An unknown
// code or a missing fact is a reject with its reason, never a guess.
import type { MilestoneRecord } from './milestones.js';
import { MATERIAL_KINDS, type MaterialKind } from './types.js';

export interface MaterialProductPlan {
  /** The Odoo product's `default_code` (Internal Reference). */
  readonly odoo: string;
  /** The unit quantities of this product are given in (the Odoo product's UoM name). */
  readonly unit: string;
}

/** What a mapped material tag adds to its milestone (the value is the lot). */
export interface MaterialTagPlan {
  readonly product: string | null;
  /** Quantity per sample when the sample's value is the lot (default 1). */
  readonly quantity: number;
  readonly fromLocation: string | null;
  readonly toLocation: string | null;
}

export interface MaterialPlan {
  /** The canonical material topic scanners and WMS gateways write (Milestone Avro). */
  readonly topic: string;
  /** Compacted genealogy topic (consumed lot -> order -> produced lot). */
  readonly genealogyTopic: string;
  /** Plant product code -> Odoo product and unit. */
  readonly products: ReadonlyMap<string, MaterialProductPlan>;
  /** Plant location code -> Odoo stock.location complete_name. */
  readonly locations: ReadonlyMap<string, string>;
  readonly tags: ReadonlyMap<string, MaterialTagPlan>;
}

export const EMPTY_MATERIAL_PLAN = (plantId: string): MaterialPlan => ({
  topic: `shiftstream.${plantId}.material`,
  genealogyTopic: `shiftstream.${plantId}.genealogy`,
  products: new Map(),
  locations: new Map(),
  tags: new Map(),
});

/** A material event as it is posted: plant codes and the Odoo names they map to. */
export interface MaterialEvent {
  readonly kind: MaterialKind;
  readonly plantId: string;
  readonly machineId: string;
  readonly workCenterId: string;
  readonly tsMs: number;
  readonly lot: string | null;
  readonly product: string;
  /** The Odoo product's default_code. */
  readonly odooProduct: string;
  readonly unit: string;
  readonly quantity: number;
  readonly fromLocation: string | null;
  readonly toLocation: string | null;
  /** Odoo stock.location complete_names (null: the production's own locations). */
  readonly odooFrom: string | null;
  readonly odooTo: string | null;
  /** The production (mrp.production name); null: the poster takes the running order at tsMs. */
  readonly orderRef: string | null;
  readonly package: string | null;
  readonly deviceId: string | null;
  readonly reference: string | null;
  /** Identity text: the same event sent twice has the same identity (the poster hashes it). */
  readonly identity: string;
}

export const MATERIAL_REJECTS = [
  'not-material',
  'missing-product',
  'unknown-product',
  'unit-mismatch',
  'bad-quantity',
  'missing-lot',
  'missing-location',
  'unknown-location',
] as const;
export type MaterialRejectReason = (typeof MATERIAL_REJECTS)[number];

export type MaterialVerdict =
  | { readonly ok: true; readonly event: MaterialEvent }
  | { readonly ok: false; readonly reason: MaterialRejectReason; readonly detail: string };

const KINDS: ReadonlySet<string> = new Set(MATERIAL_KINDS);

export function isMaterialKind(kind: string): kind is MaterialKind {
  return KINDS.has(kind);
}

const reject = (reason: MaterialRejectReason, detail: string): MaterialVerdict => ({ ok: false, reason, detail });

/** The milestone as a complete material event, or why not (docs/semantics.md section 13). */
export function canonicalMaterial(plan: MaterialPlan, m: MilestoneRecord): MaterialVerdict {
  const where = `${m.plantId}/${m.machineId || m.material?.deviceId || '?'} ${m.kind} at ${m.tsMs}`;
  if (!isMaterialKind(m.kind)) return reject('not-material', `${where}: expected a material kind, found ${m.kind}`);
  const kind = m.kind;
  const facts = m.material;
  const tag = m.tag === null ? undefined : plan.tags.get(m.tag);
  const productCode = facts?.product ?? tag?.product ?? null;
  if (productCode === null)
    return reject('missing-product', `${where}: material.product: expected a product code, found none`);
  const product = plan.products.get(productCode);
  if (product === undefined)
    return reject(
      'unknown-product',
      `${where}: material.product: expected one of the topology's material.products ` +
        `[${[...plan.products.keys()].join(', ')}], found ${JSON.stringify(productCode)}`,
    );
  const unit = facts?.unit ?? product.unit;
  if (unit !== product.unit)
    return reject(
      'unit-mismatch',
      `${where}: material.unit: product ${productCode} is counted in ${JSON.stringify(product.unit)}, ` +
        `found ${JSON.stringify(unit)} (no conversion)`,
    );
  const quantity = m.quantity ?? tag?.quantity ?? null;
  if (quantity === null || !Number.isFinite(quantity) || quantity <= 0)
    return reject('bad-quantity', `${where}: quantity: expected a number > 0, found ${String(quantity)}`);
  const lot = facts?.lot ?? null;
  if (lot === null && kind !== 'inventory_move')
    return reject(
      'missing-lot',
      `${where}: material.lot: expected the ${kind === 'lot_produced' ? 'produced' : 'consumed'} lot, found none`,
    );
  const fromLocation = facts?.fromLocation ?? tag?.fromLocation ?? null;
  const toLocation = facts?.toLocation ?? tag?.toLocation ?? null;
  if (kind === 'inventory_move' && (fromLocation === null || toLocation === null))
    return reject(
      'missing-location',
      `${where}: material.fromLocation and material.toLocation: expected both location codes, found ` +
        `${JSON.stringify(fromLocation)} and ${JSON.stringify(toLocation)}`,
    );
  const odooLocation = (code: string | null, field: string): string | null | MaterialVerdict => {
    if (code === null) return null;
    const odoo = plan.locations.get(code);
    if (odoo !== undefined) return odoo;
    return reject(
      'unknown-location',
      `${where}: material.${field}: expected one of the topology's material.locations ` +
        `[${[...plan.locations.keys()].join(', ')}], found ${JSON.stringify(code)}`,
    );
  };
  const odooFrom = odooLocation(fromLocation, 'fromLocation');
  if (odooFrom !== null && typeof odooFrom === 'object') return odooFrom;
  const odooTo = odooLocation(toLocation, 'toLocation');
  if (odooTo !== null && typeof odooTo === 'object') return odooTo;
  const pkg = facts?.package ?? null;
  const reference = facts?.reference ?? null;
  const identity = JSON.stringify([
    kind,
    m.plantId,
    m.machineId,
    m.tsMs,
    reference,
    lot,
    productCode,
    quantity,
    fromLocation,
    toLocation,
    m.orderRef,
  ]);
  return {
    ok: true,
    event: {
      kind,
      plantId: m.plantId,
      machineId: m.machineId,
      workCenterId: m.workCenterId,
      tsMs: m.tsMs,
      lot,
      product: productCode,
      odooProduct: product.odoo,
      unit,
      quantity,
      fromLocation,
      toLocation,
      odooFrom,
      odooTo,
      orderRef: m.orderRef,
      package: pkg,
      deviceId: facts?.deviceId ?? null,
      reference,
      identity,
    },
  };
}
