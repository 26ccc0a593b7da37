// docs/topology.md documents every key of the schema and every lint rule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, PARSE_RULES, RULES, TOPOLOGY_SCHEMA } from '../../../src/topology/index.js';

const DOC = readFileSync(join(import.meta.dirname, '../../../docs/topology.md'), 'utf8');

function keysOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  for (const [k, v] of Object.entries((s['properties'] as object | undefined) ?? {})) {
    out.add(k);
    keysOf(v, out);
  }
  for (const key of ['additionalProperties', 'items', 'then', 'else']) keysOf(s[key], out);
  for (const branch of (s['oneOf'] as unknown[] | undefined) ?? []) keysOf(branch, out);
  return out;
}

describe('docs/topology.md', () => {
  it('documents every key of the schema', () => {
    const keys = [...keysOf(TOPOLOGY_SCHEMA)];
    expect(keys.length).toBeGreaterThan(40);
    const missing = keys.filter((k) => !DOC.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });

  it('documents every lint rule with its severity', () => {
    for (const rule of [...PARSE_RULES, ...RULES]) {
      expect(DOC, rule.name).toMatch(new RegExp(`\\| \`${rule.name}\` \\| ${rule.severity}`));
    }
  });

  it('states the defaults the code applies', () => {
    for (const [key, value] of Object.entries({
      ...DEFAULTS.eventTime,
      ...DEFAULTS.validation,
      ...DEFAULTS.policies,
    })) {
      expect(DOC, key).toMatch(new RegExp(`\\| \`${key}\` \\| \`${value}\` \\|`));
    }
  });
});
