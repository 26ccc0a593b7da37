// A copy of the configuration that is safe to log or print: secrets and URL passwords hidden.
import { CONFIG_KEYS } from './schema.js';
import type { Config } from './types.js';

export const REDACTED = '[redacted]';
const SECRET_PATHS = new Set(
  Object.entries(CONFIG_KEYS)
    .filter(([, s]) => 'secret' in s && s.secret)
    .map(([k]) => k),
);

function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password === '') return value;
    u.password = REDACTED;
    return u.toString();
  } catch {
    return value;
  }
}

function walk(node: unknown, path: string): unknown {
  if (Array.isArray(node)) return node.map((x) => walk(x, path));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, path === '' ? k : `${path}.${k}`)]));
  }
  if (SECRET_PATHS.has(path) && node !== undefined) return REDACTED;
  if (typeof node === 'string' && path.endsWith('url')) return redactUrl(node);
  return node;
}

export function redactConfig(config: Config): Config {
  return walk(config, '') as Config;
}
