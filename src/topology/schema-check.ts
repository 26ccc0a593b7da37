// Stage 1: the schema check. Ajv is compiled once (module load); its errors become problems with
// messages that say where, what was expected and what was found.
import { Ajv, type ErrorObject } from 'ajv';
import { isDurationText } from './duration.js';
import { TOPOLOGY_SCHEMA } from './schema.js';
import type { TopologySource } from './source.js';
import type { TopologyProblem } from './types.js';

const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  discriminator: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
});
ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
ajv.addFormat('duration', { type: 'string', validate: isDurationText });
const validate = ajv.compile(TOPOLOGY_SCHEMA);

/** Keywords whose message is better phrased by the schema's `x-expected` text. */
const PHRASED = new Set(['type', 'pattern', 'format', 'minimum', 'anyOf', 'minLength', 'maxLength']);

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `'${s}'`;
  }
  return `${typeof value} ${String(value)}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

/** ` (did you mean 'timeZone'?)` when one candidate is close, else ``. */
export function didYouMean(found: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = c.toLowerCase() === found.toLowerCase() ? 0 : editDistance(found.toLowerCase(), c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(found.length / 3))
    ? ` (did you mean '${best}'?)`
    : '';
}

function where(path: string): string {
  return path === '' ? 'the document' : path;
}

interface Finding {
  readonly path: string;
  readonly preferKey: boolean;
  readonly message: string;
}

function expectedText(err: ErrorObject): string | undefined {
  const text = (err.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof text === 'string' ? text : undefined;
}

function explain(err: ErrorObject): Finding | undefined {
  const path = err.instancePath;
  const params = err.params as Record<string, unknown>;
  const found = describeValue(err.data);
  const phrased = expectedText(err);
  if (err.propertyName !== undefined) {
    // A key failed `propertyNames`: point at the key itself.
    const keyPath = `${path}/${err.propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return {
      path: keyPath,
      preferKey: true,
      message: `key ${describeValue(err.propertyName)}: expected ${phrased ?? err.message ?? 'a valid key'}`,
    };
  }
  if (phrased !== undefined && PHRASED.has(err.keyword))
    return { path, preferKey: false, message: `expected ${phrased}, found ${found}` };
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const parent = err.parentSchema as Record<string, unknown> | undefined;
      const known = Object.keys((parent?.['properties'] as object | undefined) ?? {});
      const extension = parent?.['patternProperties'] === undefined ? '' : ' (or an x- key holding YAML anchors)';
      return {
        path: `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        preferKey: true,
        message:
          `unknown key '${key}' in ${where(path)}: expected one of ` +
          `${known.join(', ')}${extension}${didYouMean(key, known)}`,
      };
    }
    case 'required':
      return {
        path,
        preferKey: false,
        message: `missing key '${String(params['missingProperty'])}': expected it in ${where(path)}`,
      };
    case 'type':
      return { path, preferKey: false, message: `expected ${[params['type']].flat().join(' or ')}, found ${found}` };
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const hint = typeof err.data === 'string' ? didYouMean(err.data, allowed) : '';
      return { path, preferKey: false, message: `expected one of ${allowed.join(', ')}, found ${found}${hint}` };
    }
    case 'const':
      return { path, preferKey: false, message: `expected ${JSON.stringify(params['allowedValue'])}, found ${found}` };
    case 'minimum':
      return { path, preferKey: false, message: `expected a number >= ${String(params['limit'])}, found ${found}` };
    case 'minLength':
      return { path, preferKey: false, message: `expected a non-empty string, found ${found}` };
    case 'minProperties':
    case 'minItems':
      return {
        path,
        preferKey: false,
        message: `expected at least ${String(params['limit'])} entr${params['limit'] === 1 ? 'y' : 'ies'}, found none`,
      };
    case 'uniqueItems':
      return {
        path: `${path}/${String(params['i'])}`,
        preferKey: false,
        message:
          `expected unique items, found ${describeValue((err.data as unknown[])[Number(params['i'])])} ` +
          `twice (items ${String(params['j'])} and ${String(params['i'])})`,
      };
    case 'discriminator': {
      const tag = String(params['tag']);
      const branches =
        ((err.parentSchema as Record<string, unknown> | undefined)?.['oneOf'] as
          { properties: Record<string, { const: string }> }[] | undefined) ?? [];
      const allowed = branches.map((b) => b.properties[tag]?.const ?? '?');
      const value = params['tagValue'];
      if (params['error'] === 'tag' && value === undefined) return undefined; // `required` reports the missing key
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return {
        path: `${path}/${tag}`,
        preferKey: false,
        message: `expected one of ${allowed.join(', ')}, found ${describeValue(value)}${hint}`,
      };
    }
    case 'pattern':
      return {
        path,
        preferKey: false,
        message: `expected a string matching ${String(params['pattern'])}, found ${found}`,
      };
    case 'format':
      return { path, preferKey: false, message: `expected format ${String(params['format'])}, found ${found}` };
    case 'if':
    case 'oneOf':
    case 'propertyNames':
      return undefined; // their sub-errors say more
    default:
      return { path, preferKey: false, message: `${err.message ?? 'invalid'}, found ${found}` };
  }
}

/** Runs the schema check; returns its problems (rule `schema`), empty when the data is valid. */
export function checkSchema(source: TopologySource): TopologyProblem[] {
  if (validate(source.data)) return [];
  const errors = validate.errors ?? [];
  // An error phrased by `x-expected` (e.g. on anyOf) speaks for the errors of its sub-schemas.
  const phrasedErrors = errors.filter((e) => expectedText(e) !== undefined && PHRASED.has(e.keyword));
  const problems: TopologyProblem[] = [];
  const seen = new Set<string>();
  for (const err of errors) {
    if (phrasedErrors.some((p) => p.instancePath === err.instancePath && err.schemaPath.startsWith(`${p.schemaPath}/`)))
      continue;
    const finding = explain(err);
    if (finding === undefined) continue;
    const key = `${finding.path}|${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({
      file: source.file,
      path: finding.path,
      ...source.position(finding.path, finding.preferKey),
      rule: 'schema',
      severity: 'error',
      message: finding.message,
    });
  }
  return problems;
}
