// The topology's optional `material:` section (issue 14, docs/semantics.md section 13): the plant's
// product and location codes mapped to Odoo, what mapped material tags add to their milestones, and
// the canonical material and genealogy topics. Schema fragment, document type and compilation live
// here so the shared topology files only gain one line each.
//
//   material:
//     topic: shiftstream.stamping-berlin.material     # default shiftstream.<plant>.material
//     products:                                        # plant code -> Odoo default_code and unit
//       COIL-DC04: { odoo: COIL-DC04, unit: kg }
//     locations:                                       # plant code -> Odoo stock.location complete_name
//       COIL-STORE: WH/Stock/Coils
//     tags:                                            # milestone tags whose value is a lot
//       BER.BLANK01.COIL_LOT: { product: COIL-DC04, quantity: 1 }
import { EMPTY_MATERIAL_PLAN, type MaterialPlan } from '../core/material.js';
import { FrozenMap } from './frozen.js';

const code = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const MATERIAL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    topic: code,
    genealogyTopic: code,
    products: {
      type: 'object',
      propertyNames: code,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['odoo', 'unit'],
        'x-expected': "{ odoo: <the Odoo product's default_code>, unit: <its unit> }",
        properties: { odoo: code, unit: code },
      },
    },
    locations: {
      type: 'object',
      propertyNames: code,
      additionalProperties: { ...code, 'x-expected': "the Odoo location's full name, e.g. WH/Stock/Coils" },
    },
    tags: {
      type: 'object',
      propertyNames: code,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          product: code,
          quantity: { type: 'number', exclusiveMinimum: 0, 'x-expected': 'a quantity > 0 per sample' },
          from: code,
          to: code,
        },
      },
    },
  },
} as const;

export interface MaterialDoc {
  readonly topic?: string;
  readonly genealogyTopic?: string;
  readonly products?: Readonly<Record<string, { readonly odoo: string; readonly unit: string }>>;
  readonly locations?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<
    Record<
      string,
      { readonly product?: string; readonly quantity?: number; readonly from?: string; readonly to?: string }
    >
  >;
}

export function materialOf(plantId: string, doc: MaterialDoc | undefined): MaterialPlan {
  const d = EMPTY_MATERIAL_PLAN(plantId);
  return {
    topic: doc?.topic ?? d.topic,
    genealogyTopic: doc?.genealogyTopic ?? d.genealogyTopic,
    products: new FrozenMap(Object.entries(doc?.products ?? {}).map(([k, p]) => [k, { odoo: p.odoo, unit: p.unit }])),
    locations: new FrozenMap(Object.entries(doc?.locations ?? {})),
    tags: new FrozenMap(
      Object.entries(doc?.tags ?? {}).map(([tag, t]) => [
        tag,
        {
          product: t.product ?? null,
          quantity: t.quantity ?? 1,
          fromLocation: t.from ?? null,
          toLocation: t.to ?? null,
        },
      ]),
    ),
  };
}
