// Location names on the stand-in as Odoo computes them (stock_location.py _compute_complete_name,
// 17-19): a view location is its own name, a child is `<parent full name>/<name>`, so clients can
// look locations up by the name users see (WH/Stock/Coils).
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, idOf, ref, start } from './rpc.js';
import { PRODUCTS } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

describe.each(CASES)('stock.location complete_name on the stand-in: $name', (c) => {
  it('WH/Stock and its children; view locations are not prefixed', async () => {
    rpc = await start(c, { products: PRODUCTS });
    const stock = await ref(rpc, 'stock.stock_location_stock');
    const coils = idOf(
      await rpc.ok('stock.location', 'create', null, { vals_list: [{ name: 'Coils', location_id: stock }] }),
    );
    const rows = (await rpc.ok('stock.location', 'search_read', null, {
      domain: [['id', 'in', [stock, coils]]],
      fields: ['complete_name'],
    })) as { id: number; complete_name: string }[];
    expect(new Map(rows.map((r) => [r.id, r.complete_name]))).toEqual(
      new Map([
        [stock, 'WH/Stock'],
        [coils, 'WH/Stock/Coils'],
      ]),
    );
    const found = await rpc.ok('stock.location', 'search', null, {
      domain: [['complete_name', '=', 'WH/Stock/Coils']],
    });
    expect(found).toEqual([coils]);
  });
});
