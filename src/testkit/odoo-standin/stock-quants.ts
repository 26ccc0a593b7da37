// Quants of the stand-in: stock on hand per (product, location, lot, package, owner), and the two
// primitives Odoo builds every stock operation on (stock_quant.py `_update_available_quantity`,
// `_update_reserved_quantity`). As in Odoo 17-19 neither refuses: reserving more than is on hand
// and posting more than is on hand are both allowed (the quant goes negative). Only storable
// products have quants (17: type 'product'; 18/19: is_storable).
import { validationError } from './errors.js';
import type { Env } from './model-hooks.js';
import type { Row } from './store.js';

export const EPS = 1e-9;

/** Rounds to Odoo's default 'Product Unit' precision (2 decimals) without float dust. */
export function roundQty(x: number): number {
  return Math.round(x * 100) / 100;
}

export interface QuantKey {
  readonly productId: number;
  readonly locationId: number;
  readonly lotId: number | false;
  readonly packageId: number | false;
  readonly ownerId: number | false;
}

export function product(env: Env, id: unknown): Row | undefined {
  return typeof id === 'number' && env.store.has('product.product', id)
    ? env.store.get('product.product', id)
    : undefined;
}

export function isStorable(env: Env, productId: unknown): boolean {
  const p = product(env, productId);
  if (p === undefined) return false;
  return env.version === 17 ? p['type'] === 'product' : p['is_storable'] === true;
}

export function tracking(env: Env, productId: unknown): 'none' | 'lot' | 'serial' {
  const t = product(env, productId)?.['tracking'];
  return t === 'lot' || t === 'serial' ? t : 'none';
}

export function productName(env: Env, productId: unknown): string {
  const p = product(env, productId);
  if (p === undefined) return `product.product,${String(productId)}`;
  return typeof p['default_code'] === 'string' ? `[${p['default_code']}] ${String(p['name'])}` : String(p['name']);
}

export function location(env: Env, id: unknown): Row | undefined {
  return typeof id === 'number' && env.store.has('stock.location', id)
    ? env.store.get('stock.location', id)
    : undefined;
}

/** stock.location.should_bypass_reservation: virtual locations (and 17/18 scrap locations) hold no reservations. */
export function bypassesReservation(env: Env, locationId: unknown): boolean {
  const l = location(env, locationId);
  if (l === undefined) return true;
  const usage = l['usage'];
  return (
    usage === 'supplier' ||
    usage === 'customer' ||
    usage === 'inventory' ||
    usage === 'production' ||
    l['scrap_location'] === true ||
    (usage === 'transit' && l['company_id'] === false)
  );
}

/** The location and its descendants (child_of). */
export function locationTree(env: Env, locationId: number): Set<number> {
  const out = new Set<number>([locationId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const l of env.store.rows('stock.location'))
      if (typeof l['location_id'] === 'number' && out.has(l['location_id']) && !out.has(l['id'] as number)) {
        out.add(l['id'] as number);
        grew = true;
      }
  }
  return out;
}

const same = (a: unknown, b: number | false): boolean => (a === undefined || a === null ? false : a) === b;

export function findQuant(env: Env, k: QuantKey): Row | undefined {
  return env.store
    .rows('stock.quant')
    .find(
      (q) =>
        q['product_id'] === k.productId &&
        q['location_id'] === k.locationId &&
        same(q['lot_id'], k.lotId) &&
        same(q['package_id'], k.packageId) &&
        same(q['owner_id'], k.ownerId),
    );
}

function upsert(env: Env, k: QuantKey, delta: { quantity?: number; reserved?: number }): void {
  const q = findQuant(env, k);
  if (q !== undefined) {
    env.store.update(
      'stock.quant',
      q['id'] as number,
      {
        quantity: roundQty(Number(q['quantity'] ?? 0) + (delta.quantity ?? 0)),
        reserved_quantity: roundQty(Number(q['reserved_quantity'] ?? 0) + (delta.reserved ?? 0)),
      },
      env,
    );
    return;
  }
  env.store.create(
    'stock.quant',
    [
      {
        product_id: k.productId,
        location_id: k.locationId,
        lot_id: k.lotId,
        package_id: k.packageId,
        owner_id: k.ownerId,
        quantity: roundQty(delta.quantity ?? 0),
        reserved_quantity: roundQty(delta.reserved ?? 0),
        in_date: env.store.nowString(),
      },
    ],
    { ...env, context: {} },
  );
}

/** Adds `qty` (negative to remove) on hand; storable products only (Odoo skips the others). */
export function updateAvailable(env: Env, k: QuantKey, qty: number): void {
  if (Math.abs(qty) < EPS || !isStorable(env, k.productId)) return;
  upsert(env, k, { quantity: qty });
}

/** Adds `qty` (negative to release) reserved; never refused, as in 17-19. */
export function updateReserved(env: Env, k: QuantKey, qty: number): void {
  if (Math.abs(qty) < EPS || !isStorable(env, k.productId) || bypassesReservation(env, k.locationId)) return;
  upsert(env, k, { reserved: qty });
}

/** Quants of a product available to reserve under a location (positive quantity minus reserved). */
export function availableQuants(env: Env, productId: number, locationId: number, lotId?: number): Row[] {
  const tree = locationTree(env, locationId);
  return env.store
    .rows(
      'stock.quant',
      (q) =>
        q['product_id'] === productId &&
        tree.has(q['location_id'] as number) &&
        (lotId === undefined || q['lot_id'] === lotId) &&
        Number(q['quantity'] ?? 0) - Number(q['reserved_quantity'] ?? 0) > EPS,
    )
    .sort(
      (a, b) => String(a['in_date']).localeCompare(String(b['in_date'])) || (a['id'] as number) - (b['id'] as number),
    );
}

/** stock.quant.check_quantity: a serial may not be more than once in a location tree. */
export function checkSerials(
  env: Env,
  productId: number,
  lotIds: readonly number[],
  locationIds: readonly number[],
): void {
  if (tracking(env, productId) !== 'serial') return;
  for (const loc of locationIds) {
    if (location(env, loc)?.['usage'] === 'inventory') continue;
    const tree = locationTree(env, loc);
    for (const lot of lotIds) {
      const qty = env.store
        .rows(
          'stock.quant',
          (q) => q['product_id'] === productId && q['lot_id'] === lot && tree.has(q['location_id'] as number),
        )
        .reduce((s, q) => s + Number(q['quantity'] ?? 0), 0);
      if (Math.abs(qty) > 1 + EPS) {
        const lotName = String(env.store.get('stock.lot', lot)['name']);
        throw validationError(
          `The serial number has already been assigned: \n Product: ${productName(env, productId)}, ` +
            `Serial Number: ${lotName}`,
        );
      }
    }
  }
}
