// Direct store calls are fixture writes: a made-up product id gets a placeholder product (older
// fixtures create MOs that way); over RPC the same id is refused like Odoo's foreign key.
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, start } from './rpc.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

describe.each(CASES)('fixture writes versus RPC: $name', (c) => {
  it('a placeholder product for store.create, a ValidationError for the same id over RPC', async () => {
    rpc = await start(c);
    const { store } = rpc.standin;
    const [mo] = store.create('mrp.production', [{ name: 'MO/1', product_id: 42, product_qty: 5, state: 'confirmed' }]);
    expect(store.get('product.product', 42)).toMatchObject({ name: 'Product 42', tracking: 'none' });
    expect(store.get('mrp.production', mo!)).toMatchObject({ product_id: 42, state: 'confirmed', product_uom_id: 1 });
    const refused = await rpc.call('mrp.production', 'create', null, {
      vals_list: [{ product_id: 4242, product_qty: 1 }],
    });
    expect(refused.error?.name).toBe('odoo.exceptions.ValidationError');
    expect(refused.error?.message).toMatch(/product\.product 4242 does not exist/);
    expect(store.has('product.product', 4242)).toBe(false);
  });
});
