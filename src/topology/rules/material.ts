// Rules about the `material` section (docs/semantics.md section 13): a material tag is a declared
// milestone tag of a material kind, and every code it names is in the section's code maps (an
// unknown code would only be found as a reject at run time).
import { MATERIAL_KINDS } from '../../core/types.js';
import { didYouMean } from '../schema-check.js';
import { pointer } from '../source.js';
import { quoteList, type LintRule } from './rule.js';

const KINDS: ReadonlySet<string> = new Set(MATERIAL_KINDS);

export const materialCodes: LintRule = {
  name: 'material-codes',
  severity: 'error',
  summary:
    'Each `material.tags` entry is a declared milestone tag of kind lot_consumed, lot_produced or inventory_move, ' +
    'and the product and location codes it names are keys of `material.products` and `material.locations`.',
  check({ doc, report }) {
    const m = doc.material;
    if (m === undefined) return;
    const products = Object.keys(m.products ?? {});
    const locations = Object.keys(m.locations ?? {});
    for (const [tag, t] of Object.entries(m.tags ?? {})) {
      const declared = doc.tags[tag];
      if (declared === undefined || declared.role !== 'milestone' || !KINDS.has(declared.milestone))
        report(
          pointer('material', 'tags', tag),
          `material tag '${tag}': expected a tag declared under tags with role milestone and milestone ` +
            `${MATERIAL_KINDS.join(', ')}, found ${declared === undefined ? 'no such tag' : `role ${declared.role}`}`,
          { preferKey: true },
        );
      if (t.product !== undefined && !products.includes(t.product))
        report(
          pointer('material', 'tags', tag, 'product'),
          `material tag '${tag}' names product '${t.product}': expected one of ${quoteList(products)}` +
            didYouMean(t.product, products),
        );
      for (const f of ['from', 'to'] as const) {
        const c = t[f];
        if (c !== undefined && !locations.includes(c))
          report(
            pointer('material', 'tags', tag, f),
            `material tag '${tag}' names location '${c}': expected one of ${quoteList(locations)}` +
              didYouMean(c, locations),
          );
      }
    }
  },
};
