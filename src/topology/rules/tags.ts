// Rules about tag definitions: state and reason value tables, counters.
import type { StateMappingDoc } from '../document.js';
import { readMapping, UNSPECIFIED_REASON } from '../model.js';
import { pointer } from '../source.js';
import type { LintRule } from './rule.js';

/** Every state mapping of the document with its path (values and default). */
function* stateMappings(
  doc: Parameters<LintRule['check']>[0]['doc'],
): Generator<{ tag: string; machine: string; key: string | null; mapping: StateMappingDoc }> {
  for (const [tag, t] of Object.entries(doc.tags)) {
    if (t.role !== 'state') continue;
    for (const [key, mapping] of Object.entries(t.values)) yield { tag, machine: t.machine, key, mapping };
    if (t.default !== undefined) yield { tag, machine: t.machine, key: null, mapping: t.default };
  }
}

/** The pointer of a state mapping (built only for a problem: lint stays cheap on big plants). */
function mappingPath(tag: string, key: string | null): string {
  return key === null ? pointer('tags', tag, 'default') : pointer('tags', tag, 'values', key);
}

export const downNeedsReason: LintRule = {
  name: 'down-needs-reason',
  severity: 'warning',
  summary:
    `A \`down\` mapping names a reason (\`down/<reason>\`) unless its machine has ` +
    `a reason tag; otherwise its downtime is reported as \`${UNSPECIFIED_REASON}\`.`,
  check({ doc, report }) {
    const withReasonTag = new Set(
      Object.values(doc.tags)
        .filter((t) => t.role === 'reason')
        .map((t) => t.machine),
    );
    for (const { tag, machine, key, mapping } of stateMappings(doc)) {
      const m = readMapping(mapping);
      if (m.category === 'down' && m.reason === undefined && !withReasonTag.has(machine)) {
        report(
          mappingPath(tag, key),
          `state tag '${tag}' maps to 'down' without a reason and machine '${machine}' has no reason tag: ` +
            `expected down/<reason>, found 'down' (its downtime will be reported as '${UNSPECIFIED_REASON}')`,
        );
      }
    }
  },
};

export const reasonOnlyForDown: LintRule = {
  name: 'reason-only-for-down',
  severity: 'error',
  summary: 'Only `down` carries a reason: `idle/<reason>` or `{ category: setup, reason: ... }` is an error.',
  check({ doc, report }) {
    for (const { tag, key, mapping } of stateMappings(doc)) {
      const m = readMapping(mapping);
      if (m.category !== 'down' && m.reason !== undefined) {
        report(
          mappingPath(tag, key),
          `state tag '${tag}' maps to '${m.category}' with reason '${m.reason}': ` +
            `expected a reason only with 'down', found one with '${m.category}'`,
        );
      }
    }
  },
};

export const rolloverOnlyTotal: LintRule = {
  name: 'rollover-only-total',
  severity: 'error',
  summary: '`rolloverAt` is only for `mode: total` counters (a delta counter does not roll over).',
  check({ doc, report }) {
    for (const [tag, t] of Object.entries(doc.tags)) {
      if (t.role === 'counter' && t.rolloverAt !== undefined && t.mode !== 'total') {
        report(
          pointer('tags', tag, 'rolloverAt'),
          `counter tag '${tag}' has rolloverAt ${t.rolloverAt}: expected ` +
            `rolloverAt only with mode 'total', found mode '${t.mode}'`,
        );
      }
    }
  },
};

function looksNumeric(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

export const valueKeyCanonical: LintRule = {
  name: 'value-key-canonical',
  severity: 'warning',
  summary:
    'A value-table key is written the way `String(value)` spells ' +
    'the sample value it should match (`"3"`, not `"03"` or `3.0`).',
  check({ doc, source, report }) {
    for (const [tag, t] of Object.entries(doc.tags)) {
      if (t.role !== 'state' && t.role !== 'reason') continue;
      const infos = source.keyInfos(pointer('tags', tag, 'values'));
      for (const key of Object.keys(t.values ?? {})) {
        const path = pointer('tags', tag, 'values', key);
        const info = infos.get(key) ?? source.keyInfo(path);
        if (info === undefined) continue;
        if (!info.quoted && typeof info.value !== 'string' && info.source !== key) {
          report(
            path,
            `key ${info.source} of tag '${tag}' is read as ${typeof info.value} ${key} and matches samples ` +
              `whose String(value) is '${key}': expected the key written as "${key}", found ${info.source}`,
            { preferKey: true },
          );
        } else if (info.quoted && looksNumeric(key) && String(Number(key)) !== key) {
          report(
            path,
            `key "${key}" of tag '${tag}' matches only the string '${key}': a numeric ` +
              `sample ${Number(key)} has the key '${String(Number(key))}'; expected ` +
              `"${String(Number(key))}" (or keep "${key}" if the source sends that string)`,
            { preferKey: true },
          );
        }
      }
    }
  },
};

const INSPECTION_TAGS: ReadonlySet<string> = new Set(['inspection', 'inspection_passed', 'inspection_failed']);

export const inspectionRule: LintRule = {
  name: 'inspection-rule',
  severity: 'error',
  summary:
    '`test`, `unit` and `scrapOnFail` only on inspection tags; `limitLow`/`limitHigh` only with ' +
    '`milestone: inspection`, which needs at least one of them, and `limitLow <= limitHigh`.',
  check({ doc, report }) {
    for (const [tag, t] of Object.entries(doc.tags)) {
      if (t.role !== 'milestone') continue;
      const keys = (['test', 'unit', 'scrapOnFail', 'limitLow', 'limitHigh'] as const).filter(
        (k) => t[k] !== undefined,
      );
      if (!INSPECTION_TAGS.has(t.milestone)) {
        for (const k of keys)
          report(
            pointer('tags', tag, k),
            `milestone tag '${tag}' (${t.milestone}) has ${k}: expected ${k} only on inspection tags ` +
              `(inspection, inspection_passed, inspection_failed), found it on ${t.milestone}`,
          );
        continue;
      }
      if (t.milestone !== 'inspection') {
        for (const k of keys.filter((x) => x === 'limitLow' || x === 'limitHigh'))
          report(
            pointer('tags', tag, k),
            `inspection tag '${tag}' (${t.milestone}) has ${k}: expected limits only with 'milestone: inspection' ` +
              `(the value is the measure), found them on ${t.milestone}, whose kind is fixed`,
          );
        if (t.milestone === 'inspection_passed' && t.scrapOnFail !== undefined)
          report(
            pointer('tags', tag, 'scrapOnFail'),
            `inspection tag '${tag}' is inspection_passed: expected no scrapOnFail (it never fails), ` +
              `found ${t.scrapOnFail}`,
          );
        continue;
      }
      if (t.limitLow === undefined && t.limitHigh === undefined)
        report(
          pointer('tags', tag, 'milestone'),
          `inspection tag '${tag}' measures: expected limitLow and/or limitHigh to decide pass or fail, found neither`,
        );
      else if (t.limitLow !== undefined && t.limitHigh !== undefined && t.limitLow > t.limitHigh)
        report(
          pointer('tags', tag, 'limitLow'),
          `inspection tag '${tag}': expected limitLow <= limitHigh, found ${t.limitLow} > ${t.limitHigh}`,
        );
    }
  },
};
