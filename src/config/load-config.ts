// loadConfig: defaults < file (YAML or JSON) < environment (SHIFTSTREAM_, `__` nesting) < flags.
// Returns one frozen, typed Config or throws one ConfigError listing every problem.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseDuration } from './durations.js';
import { CONFIG_KEYS, envName, SECTIONS, type ConfigKey, type KeySpec } from './schema.js';
import type { Config, SaslMechanism } from './types.js';

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config flags only: `--kafka.brokers=a:9092`, `--log.level debug`, `--config file.yaml`. */
  readonly argv?: readonly string[];
  /** Path of a YAML or JSON file. A `--config` flag overrides it. */
  readonly file?: string;
  /** Reads files (config file, `*_FILE` secrets); injectable for tests. */
  readonly readFile?: (path: string) => string;
}

const KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];
const spec = (key: ConfigKey): KeySpec => CONFIG_KEYS[key];
const ENV_TO_KEY = new Map(KEYS.map((k) => [envName(k), k] as const));
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

/** Splits command arguments into config flags (`--config`, `--<section>.<key>`) and the rest. */
export function splitConfigArgs(argv: readonly string[]): { config: string[]; rest: string[] } {
  const config: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.startsWith('--') ? (arg.slice(2).split('=')[0] ?? '') : '';
    const isConfig = name === 'config' || SECTIONS.some((s) => name.startsWith(`${s}.`));
    const target = isConfig ? config : rest;
    target.push(arg);
    if (isConfig && !arg.includes('=') && i + 1 < argv.length) target.push(argv[++i] ?? '');
  }
  return { config, rest };
}

/** Parses one raw value (a string from env/flags or a typed value from a file). */
function coerce(key: ConfigKey, raw: unknown): { ok: true; value: unknown } | { ok: false; expected: string } {
  const kind = spec(key).kind;
  switch (kind.type) {
    case 'string':
      return typeof raw === 'string' && raw.length > 0
        ? { ok: true, value: raw }
        : { ok: false, expected: 'a non-empty string' };
    case 'list': {
      const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : null;
      if (items === null || !items.every((x) => typeof x === 'string'))
        return { ok: false, expected: 'a list of strings (comma-separated in env and flags)' };
      return { ok: true, value: items.map((x: string) => x.trim()).filter((x: string) => x.length > 0) };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const t = typeof raw === 'string' ? raw.toLowerCase() : '';
      if (['true', '1', 'yes'].includes(t)) return { ok: true, value: true };
      if (['false', '0', 'no'].includes(t)) return { ok: true, value: false };
      return { ok: false, expected: 'true or false' };
    }
    case 'port': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isInteger(n) && n >= 0 && n <= 65_535
        ? { ok: true, value: n }
        : { ok: false, expected: 'a port number 0..65535' };
    }
    case 'duration': {
      const ms = typeof raw === 'string' || typeof raw === 'number' ? parseDuration(raw) : undefined;
      return ms === undefined
        ? { ok: false, expected: "a duration like 1500, '1500ms', '30s', '5m' or '2h'" }
        : { ok: true, value: ms };
    }
    case 'enum':
      return typeof raw === 'string' && kind.values.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, expected: `one of ${kind.values.join(', ')}` };
  }
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: string[] = [];
  const values = new Map<ConfigKey, unknown>();
  /** Secrets read from a `<VAR>_FILE` (and not overridden since): the Odoo client re-reads its key there. */
  const secretFiles = new Map<ConfigKey, string>();
  for (const key of KEYS) if ('default' in spec(key)) values.set(key, (spec(key) as { default: unknown }).default);

  const set = (source: string, key: ConfigKey, raw: unknown): void => {
    const r = coerce(key, raw);
    if (r.ok) values.set(key, r.value);
    else problems.push(`${source}: expected ${r.expected}, found ${show(raw)}`);
  };

  // Flags are parsed first only to find --config; they are applied last.
  const flags: [string, string][] = [];
  const argv = options.argv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`flag ${show(arg)}: expected --<section>.<key>=<value>, found a bare argument`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) problems.push(`flag --${name}: expected a value, found none`);
    else flags.push([name, value]);
  }
  const file = flags.findLast(([n]) => n === 'config')?.[1] ?? options.file;

  // 1. File.
  if (file !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(readFile(file));
    } catch (err) {
      problems.push(`${file}: expected a readable YAML or JSON file, found ${(err as Error).message.split('\n')[0]}`);
    }
    if (doc !== undefined && doc !== null) {
      if (typeof doc !== 'object' || Array.isArray(doc))
        problems.push(`${file}: expected a mapping of sections, found ${show(doc)}`);
      else
        walkFile(file, doc as Record<string, unknown>, '', problems, (key, raw) => {
          if (spec(key).secret) {
            problems.push(
              `${file} ${key}: secrets come from the environment (${envName(key)} ` +
                `or ${envName(key)}_FILE) or a flag, not from the config file`,
            );
          } else set(`${file} ${key}`, key, raw);
        });
    }
  }

  // 2. Environment: every SHIFTSTREAM_ variable with `__` is a configuration key.
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SHIFTSTREAM_') || !name.includes('__') || raw === undefined) continue;
    const isFile = name.endsWith('_FILE') && !ENV_TO_KEY.has(name);
    const key = ENV_TO_KEY.get(isFile ? name.slice(0, -5) : name);
    if (key === undefined) {
      problems.push(
        `env ${name}: expected a configuration variable (SHIFTSTREAM_<SECTION>__<KEY>), found an unknown one`,
      );
      continue;
    }
    if (isFile) {
      if (!spec(key).secret) {
        problems.push(`env ${name}: expected _FILE only for secrets, found it on ${key}`);
        continue;
      }
      try {
        set(`env ${name}`, key, readFile(raw).trim());
        secretFiles.set(key, raw);
      } catch (err) {
        problems.push(`env ${name}: expected a readable secret file, found ${(err as Error).message}`);
      }
    } else {
      set(`env ${name}`, key, raw);
      secretFiles.delete(key);
    }
  }

  // 3. Flags.
  for (const [name, raw] of flags) {
    if (name === 'config') continue;
    if (!(name in CONFIG_KEYS))
      problems.push(`flag --${name}: expected a configuration key (--<section>.<key>), found an unknown one`);
    else {
      set(`flag --${name}`, name as ConfigKey, raw);
      secretFiles.delete(name as ConfigKey);
    }
  }

  const config = assemble(values, problems, readFile, secretFiles);
  if (problems.length > 0) {
    throw new ConfigError(
      'SHIFTSTREAM_CONFIG_INVALID',
      `invalid configuration (${problems.length} ` +
        `problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        details: { problems },
      },
    );
  }
  return deepFreeze(config);
}

function walkFile(
  file: string,
  node: Record<string, unknown>,
  prefix: string,
  problems: string[],
  onLeaf: (key: ConfigKey, raw: unknown) => void,
): void {
  for (const [name, value] of Object.entries(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (path in CONFIG_KEYS) onLeaf(path as ConfigKey, value);
    else if (KEYS.some((k) => k.startsWith(`${path}.`))) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        walkFile(file, value as Record<string, unknown>, path, problems, onLeaf);
      else problems.push(`${file} ${path}: expected a mapping, found ${show(value)}`);
    } else problems.push(`${file} ${path}: expected a known key, found an unknown one`);
  }
}

function url(problems: string[], key: string, value: unknown, protocols: readonly string[]): void {
  if (typeof value !== 'string') return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    /* reported below */
  }
  if (parsed === undefined || !protocols.includes(parsed.protocol)) {
    problems.push(
      `${key}: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, found ${show(value)}`,
    );
  }
}

/**
 * A CA file named by `key` must be readable PEM with at least one certificate (checked at load, not at the first
 * connection).
 */
function caFile(problems: string[], key: string, path: string | undefined, readFile: (path: string) => string): void {
  if (path === undefined) return;
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    problems.push(`${key}: expected a readable PEM CA file, found ${(err as Error).message}`);
    return;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    problems.push(
      `${key}: expected a PEM file with at least one '-----BEGIN CERTIFICATE-----' block, found none in ${show(path)}`,
    );
}

/** Cross-key checks and the typed shape. */
function assemble(
  v: Map<ConfigKey, unknown>,
  problems: string[],
  readFile: (path: string) => string,
  secretFiles: ReadonlyMap<ConfigKey, string>,
): Config {
  const get = <T>(key: ConfigKey): T => v.get(key) as T;
  const brokers = get<string[]>('kafka.brokers');
  if (brokers.length === 0) problems.push('kafka.brokers: expected at least one host:port, found none');
  for (const b of brokers)
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) problems.push(`kafka.brokers: expected host:port, found ${show(b)}`);
  url(problems, 'registry.url', get('registry.url'), ['http:', 'https:']);
  url(problems, 'redis.url', get('redis.url'), ['redis:', 'rediss:']);

  const mechanism = get<SaslMechanism | undefined>('kafka.sasl.mechanism');
  const user = get<string | undefined>('kafka.sasl.username');
  const pass = get<string | undefined>('kafka.sasl.password');
  if (mechanism !== undefined && (user === undefined || pass === undefined)) {
    problems.push(
      `kafka.sasl: expected username and password with mechanism ${mechanism}, found ` +
        `${user === undefined ? 'no username' : ''}` +
        `${user === undefined && pass === undefined ? ' and ' : ''}` +
        `${pass === undefined ? 'no password' : ''}`,
    );
  }
  if (mechanism === undefined && (user !== undefined || pass !== undefined))
    problems.push('kafka.sasl: expected a mechanism with username/password, found none');
  if (get('registry.password') !== undefined && get('registry.username') === undefined)
    problems.push('registry.password: expected registry.username with it, found none');

  const kafkaCa = get<string | undefined>('kafka.sslCaPath');
  if (kafkaCa !== undefined && get('kafka.ssl') !== true)
    problems.push(
      `kafka.sslCaPath: expected kafka.ssl=true with it (the CA ` +
        `verifies the brokers' TLS certificates), found kafka.ssl=false`,
    );
  caFile(problems, 'kafka.sslCaPath', kafkaCa, readFile);
  const redisCa = get<string | undefined>('redis.tlsCaPath');
  const redisUrl = get<string>('redis.url');
  if (redisCa !== undefined && get('redis.tls') !== true && !redisUrl.startsWith('rediss://')) {
    problems.push(
      `redis.tlsCaPath: expected redis.tls=true or a rediss:// redis.url ` +
        `with it, found redis.tls=false and ${show(redisAddress(redisUrl))}`,
    );
  }
  caFile(problems, 'redis.tlsCaPath', redisCa, readFile);

  const odooUrl = get<string | undefined>('odoo.url');
  const odooMissing = (['odoo.db', 'odoo.login', 'odoo.apiKey'] as const).filter((k) => get(k) === undefined);
  if (odooUrl !== undefined) {
    url(problems, 'odoo.url', odooUrl, ['http:', 'https:']);
    if (odooMissing.length > 0)
      problems.push(
        `odoo: expected ${odooMissing.join(', ')} with odoo.url, ` +
          `found ${odooMissing.length === 1 ? 'it' : 'them'} unset`,
      );
  } else if (odooMissing.length < 3)
    problems.push('odoo.url: expected it set when odoo.db, odoo.login or odoo.apiKey are, found none');

  const opt = <K extends string>(name: K, value: unknown): { [P in K]?: string } =>
    value === undefined ? {} : ({ [name]: value } as { [P in K]: string });
  return {
    kafka: {
      brokers: brokers,
      clientId: get('kafka.clientId'),
      client: get('kafka.client'),
      ingestClient: get('kafka.ingestClient'),
      ssl: get('kafka.ssl'),
      ...opt('sslCaPath', kafkaCa),
      connectionTimeoutMs: get('kafka.connectionTimeoutMs'),
      requestTimeoutMs: get('kafka.requestTimeoutMs'),
      ...(mechanism !== undefined && user !== undefined && pass !== undefined
        ? { sasl: { mechanism, username: user, password: pass } }
        : {}),
    },
    registry: {
      url: get('registry.url'),
      timeoutMs: get('registry.timeoutMs'),
      ...opt('username', get('registry.username')),
      ...opt('password', get('registry.password')),
    },
    redis: {
      url: redisUrl,
      tls: get('redis.tls'),
      keyPrefix: get('redis.keyPrefix'),
      ...opt('tlsCaPath', redisCa),
      ...opt('username', get('redis.username')),
      ...opt('password', get('redis.password')),
    },
    ...(odooUrl !== undefined && odooMissing.length === 0
      ? {
          odoo: {
            url: odooUrl,
            db: get('odoo.db'),
            login: get('odoo.login'),
            apiKey: get('odoo.apiKey'),
            ...opt('apiKeyFile', secretFiles.get('odoo.apiKey')),
            protocol: get('odoo.protocol'),
            timeoutMs: get('odoo.timeoutMs'),
          },
        }
      : {}),
    http: { port: get('http.port') },
    log: { level: get('log.level') },
    run: {
      topologies: get('run.topologies'),
      checkpointIntervalMs: get('run.checkpointIntervalMs'),
      shutdownTimeoutMs: get('run.shutdownTimeoutMs'),
      fused: get('run.fused'),
    },
  };
}

/** A Redis URL without its credentials, for messages. */
function redisAddress(value: string): string {
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//');
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
