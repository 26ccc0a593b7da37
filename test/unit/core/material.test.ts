// Material events (docs/semantics.md section 13): tag facts complete a mapped milestone, unknown
// codes and missing facts are rejects with their reason, and identity ignores nothing that matters.
import { describe, expect, it } from 'vitest';
import { canonicalMaterial } from '../../../src/core/material.js';
import { createMilestoneTracker } from '../../../src/core/milestones.js';
import type { MachineEvent } from '../../../src/core/types.js';
import { PLAN, T0, consumed, moved, produced } from '../../support/material-fixture.js';

describe('canonicalMaterial', () => {
  it('maps codes to Odoo and keeps the plant codes', () => {
    const v = canonicalMaterial(PLAN, moved('C-1', 4, T0));
    expect(v).toMatchObject({
      ok: true,
      event: { odooProduct: 'COIL', unit: 'Units', odooFrom: 'WH/Stock/Coils', odooTo: 'WH/Stock/Press' },
    });
  });

  it('completes a mapped tag milestone from its material.tags entry (the value was the lot)', () => {
    const m = { ...consumed('C-9', 0, T0), quantity: null, tag: 'BLANK01.COIL_LOT' };
    const v = canonicalMaterial(PLAN, { ...m, material: { ...m.material!, product: null } });
    expect(v).toMatchObject({ ok: true, event: { product: 'COIL-DC04', quantity: 1, lot: 'C-9' } });
  });

  it.each([
    ['unknown-product', { ...consumed('C-1', 1, T0), material: { ...consumed('C-1', 1, T0).material!, product: 'X' } }],
    ['unit-mismatch', { ...consumed('C-1', 1, T0), material: { ...consumed('C-1', 1, T0).material!, unit: 'kg' } }],
    ['bad-quantity', consumed('C-1', -2, T0)],
    ['bad-quantity', consumed('C-1', Number.NaN, T0)],
    [
      'missing-lot',
      { ...produced('P', 1, T0, 'MO'), material: { ...produced('P', 1, T0, 'MO').material!, lot: null } },
    ],
    ['unknown-location', moved('C-1', 1, T0, 'COIL-STORE', 'NOWHERE')],
    ['missing-location', { ...moved('C-1', 1, T0), material: { ...moved('C-1', 1, T0).material!, toLocation: null } }],
    ['not-material', { ...consumed('C-1', 1, T0), kind: 'machine_down' as const }],
  ])('%s is a reject with where, expected and found', (reason, m) => {
    const v = canonicalMaterial(PLAN, m);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toBe(reason);
      expect(v.detail).toMatch(/^plant-a\/\S+ \w+ at \d+: /);
    }
  });

  it('the unknown code is named with the codes the topology knows (never a guess)', () => {
    const v = canonicalMaterial(PLAN, moved('C-1', 1, T0, 'COIL-STOR'));
    expect(v).toMatchObject({
      ok: false,
      detail: expect.stringContaining('[COIL-STORE, PRESS-LINE], found "COIL-STOR"') as unknown,
    });
  });

  it('identity: a copy is the same event, another quantity or reference is another', () => {
    const id = (m: ReturnType<typeof consumed>): string => {
      const v = canonicalMaterial(PLAN, m);
      return v.ok ? v.event.identity : '';
    };
    expect(id(consumed('C-1', 2, T0))).toBe(id(consumed('C-1', 2, T0)));
    expect(id(consumed('C-1', 2, T0))).not.toBe(id(consumed('C-1', 3, T0)));
    expect(id(consumed('C-1', 2, T0))).not.toBe(id({ ...consumed('C-1', 2, T0), tsMs: T0 + 1 }));
  });
});

describe('the critical lane on material tags', () => {
  it("a lot_consumed tag's string value is the lot; the order is the tagged running order", () => {
    const ev = {
      plantId: 'plant-a',
      machineId: 'blank-01',
      workCenterId: 'wc-1',
      tag: 'BLANK01.COIL_LOT',
      tsMs: T0,
      kind: 'milestone',
      value: 'C-42',
      milestone: 'lot_consumed',
      runningOrder: 'WH/MO/00012',
    } as unknown as MachineEvent;
    const m = createMilestoneTracker().observe(ev);
    expect(m).toMatchObject({ kind: 'lot_consumed', orderRef: 'WH/MO/00012', material: { lot: 'C-42' } });
  });
});
