// Rules about the Odoo loss mapping (docs/semantics.md section 8).
import { STATE_CATEGORIES } from '../../core/types.js';
import type { TopologyDoc } from '../document.js';
import { postCategories, readMapping, UNSPECIFIED_REASON } from '../model.js';
import { parseLossRef, SEED_LOSSES } from '../odoo-losses.js';
import { pointer } from '../source.js';
import { quoteList, type LintRule } from './rule.js';

const SUGGESTED: Readonly<Record<string, string>> = {
  running: 'mrp.block_reason7',
  idle: 'mrp.block_reason0',
  setup: 'mrp.block_reason2',
  planned_stop: 'a loss of your own, e.g. Planned Downtime',
  unknown: 'a loss of your own, e.g. No Data',
  down: 'mrp.block_reason1',
};

/** Downtime reasons the topology can produce, and the reason tags that pass unlisted values through. */
export function downtimeReasons(doc: TopologyDoc): { reasons: Map<string, string>; passThrough: string[] } {
  const reasons = new Map<string, string>(); // reason -> path of its first use
  const passThrough: string[] = [];
  for (const [tag, t] of Object.entries(doc.tags)) {
    if (t.role === 'state') {
      // Paths are built for first uses only (a big plant repeats the same few reasons).
      const note = (mapping: Parameters<typeof readMapping>[0], path: () => string): void => {
        const m = readMapping(mapping);
        if (m.category !== 'down') return;
        const reason = m.reason ?? UNSPECIFIED_REASON;
        if (!reasons.has(reason)) reasons.set(reason, path());
      };
      for (const [k, v] of Object.entries(t.values)) note(v, () => pointer('tags', tag, 'values', k));
      if (t.default !== undefined) note(t.default, () => pointer('tags', tag, 'default'));
    } else if (t.role === 'reason') {
      for (const [k, v] of Object.entries(t.values ?? {}))
        if (v !== null && !reasons.has(v)) reasons.set(v, pointer('tags', tag, 'values', k));
      if (t.strict !== true) passThrough.push(tag);
    }
  }
  return { reasons, passThrough };
}

export const odooMappingComplete: LintRule = {
  name: 'odoo-mapping-complete',
  severity: 'error',
  summary:
    'Every posted category has a loss, and every downtime reason the ' +
    'topology can produce has `down/<reason>` or the `down` fallback.',
  check({ doc, report }) {
    const losses = doc.odoo.losses;
    const post = postCategories(doc);
    const postPath = (c: string): string =>
      doc.odoo.post === undefined
        ? pointer('odoo', 'losses')
        : pointer('odoo', 'post', doc.odoo.post.indexOf(c as never));
    for (const c of post) {
      if (c === 'down' || losses[c] !== undefined) continue;
      report(
        postPath(c),
        `category '${c}' is posted to Odoo: expected a loss under ` +
          `odoo.losses.${c} (e.g. ${SUGGESTED[c] ?? '?'}), found none`,
      );
    }
    if (!post.includes('down') || losses['down'] !== undefined) return;
    const { reasons, passThrough } = downtimeReasons(doc);
    for (const [reason, path] of reasons) {
      if (losses[`down/${reason}`] === undefined) {
        report(
          path,
          `downtime reason '${reason}' is posted to Odoo: expected a loss under ` +
            `odoo.losses['down/${reason}'] or the fallback odoo.losses.down, found neither`,
        );
      }
    }
    for (const tag of passThrough) {
      report(
        pointer('tags', tag),
        `reason tag '${tag}' passes unlisted values through as downtime reasons: ` +
          `expected the fallback odoo.losses.down (or 'strict: true' on the tag), found none`,
      );
    }
  },
};

export const odooLossType: LintRule = {
  name: 'odoo-loss-type',
  severity: 'error',
  summary:
    '`running` maps to a productive loss and nothing else does, when the ' +
    'value is a seeded loss (`mrp.block_reason7` is the productive one).',
  check({ doc, report }) {
    for (const [key, value] of Object.entries(doc.odoo.losses)) {
      const seed = SEED_LOSSES.get(value);
      if (seed === undefined) continue;
      const path = pointer('odoo', 'losses', key);
      if (key === 'running' && seed.lossType !== 'productive') {
        report(
          path,
          `running (productive time): expected a productive loss such as mrp.block_reason7 ` +
            `'Fully Productive Time', found ${value} '${seed.name}' (${seed.lossType})`,
        );
      } else if (key !== 'running' && seed.lossType === 'productive') {
        report(
          path,
          `'${key}' is lost time: expected an availability, performance or quality loss, ` +
            `found ${value} '${seed.name}' (productive), which would count it as productive time`,
        );
      }
    }
  },
};

export const odooLossKnown: LintRule = {
  name: 'odoo-loss-known',
  severity: 'warning',
  summary: 'An `mrp.block_reason*` external id is one that Odoo seeds (0, 1, 2, 4, 5, 6, 7: there is no 3).',
  check({ doc, report }) {
    for (const [key, value] of Object.entries(doc.odoo.losses)) {
      const ref = parseLossRef(value);
      if (
        ref.kind === 'xml-id' &&
        ref.module === 'mrp' &&
        ref.name.startsWith('block_reason') &&
        !SEED_LOSSES.has(value)
      ) {
        report(
          pointer('odoo', 'losses', key),
          `loss '${value}': expected a seeded loss (${quoteList([...SEED_LOSSES.keys()])}), ` +
            `found an id Odoo does not seed; create it or pick a seeded one`,
        );
      }
    }
  },
};

export const odooLossUnused: LintRule = {
  name: 'odoo-loss-unused',
  severity: 'warning',
  summary: 'Every entry of `odoo.losses` can be used: its category is posted, and a `down/<reason>` reason can occur.',
  check({ doc, report }) {
    const post = new Set<string>(postCategories(doc));
    const { reasons, passThrough } = downtimeReasons(doc);
    for (const key of Object.keys(doc.odoo.losses)) {
      const path = pointer('odoo', 'losses', key);
      if (key.startsWith('down/')) {
        const reason = key.slice('down/'.length);
        if (!post.has('down'))
          report(path, `loss for '${key}': expected 'down' among odoo.post, found it not posted`, { preferKey: true });
        else if (!reasons.has(reason) && passThrough.length === 0) {
          report(
            path,
            `loss for '${key}': expected reason '${reason}' to occur in a state or reason ` +
              `table, found it nowhere (known reasons: ${quoteList([...reasons.keys()])})`,
            { preferKey: true },
          );
        }
      } else if ((STATE_CATEGORIES as readonly string[]).includes(key) && !post.has(key)) {
        report(
          path,
          `loss for '${key}': expected '${key}' among the posted ` +
            `categories (${quoteList([...post])}), found it not posted`,
          { preferKey: true },
        );
      }
    }
  },
};
