// One Odoo client interface over JSON-2 (Odoo >= 19) and JSON-RPC (Odoo 17/18).
// Reads (search, searchRead, searchCount, readGroup, version) are retried with backoff; writes
// (create, write, unlink, callMethod) are never retried here: only the caller knows whether a
// repeat is safe (see productivity-writer.ts, which searches before it re-creates).
import { OdooError } from '../../errors.js';
import { readApiKeyFile } from './api-key-file.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { CallSite, OdooProtocol } from './errors.js';
import { odooProtocolError } from './errors.js';
import type { Json2Caller, JsonRpcCaller, ServerVersion } from './protocols.js';
import { createJson2Caller, createJsonRpcCaller, fetchWebVersion, parseServerVersion } from './protocols.js';
import type { BackoffPolicy } from './retry.js';
import { DEFAULT_BACKOFF, withRetry } from './retry.js';
import type { Transport } from './transport.js';
import { createHttpTransport } from './transport.js';

export type ProtocolChoice = 'auto' | 'json2' | 'jsonrpc';
/** A domain in Odoo's prefix notation: `[['code', 'in', ['A']], '|', [...], [...]]`. */
export type Domain = readonly unknown[];
export type Vals = Readonly<Record<string, unknown>>;

export interface OdooClientOptions {
  readonly url: string;
  readonly db: string;
  /** Needed by JSON-RPC `authenticate`; JSON-2 identifies the user by the key alone. */
  readonly login: string;
  readonly apiKey: string;
  /**
   * Where `apiKey` came from (SHIFTSTREAM_ODOO__API_KEY_FILE): when Odoo refuses the key, the file
   * is read again and a changed key is used for one more try of the same call.
   */
  readonly apiKeyFile?: string;
  readonly protocol: ProtocolChoice;
  readonly timeoutMs: number;
  readonly caFile?: string;
  readonly rejectUnauthorized?: boolean;
  /** Retry policy of read calls (default DEFAULT_BACKOFF). */
  readonly readRetry?: BackoffPolicy;
  readonly breaker?: CircuitBreaker;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Sent as `context` on every object call (e.g. `{ tz: 'UTC', lang: 'en_US' }`). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Tests only: an already built transport. */
  readonly transport?: Transport;
}

export interface SearchOptions {
  readonly offset?: number;
  readonly limit?: number;
  readonly order?: string;
}

export interface OdooVersion extends ServerVersion {
  /** The protocol this client uses for object calls. */
  readonly protocol: OdooProtocol;
}

/** One grouped row: group values by groupby spec, aggregates by spec (`duration:sum`), and the row count. */
export interface ReadGroupRow {
  readonly groups: Readonly<Record<string, unknown>>;
  readonly aggregates: Readonly<Record<string, number>>;
  readonly count: number;
}

export interface OdooClient {
  version(): Promise<OdooVersion>;
  /** The user id the API key belongs to. */
  authenticate(): Promise<number>;
  create(model: string, valsList: readonly Vals[]): Promise<number[]>;
  searchRead<T = Record<string, unknown>>(
    model: string,
    domain: Domain,
    fields: readonly string[],
    opts?: SearchOptions,
  ): Promise<T[]>;
  search(model: string, domain: Domain, opts?: SearchOptions): Promise<number[]>;
  searchCount(model: string, domain: Domain): Promise<number>;
  write(model: string, ids: readonly number[], vals: Vals): Promise<boolean>;
  unlink(model: string, ids: readonly number[]): Promise<boolean>;
  /** read_group on <= 18, formatted_read_group on >= 19. `aggregates` like `duration:sum`. */
  readGroup(
    model: string,
    domain: Domain,
    groupby: readonly string[],
    aggregates: readonly string[],
  ): Promise<ReadGroupRow[]>;
  /** Any public method; `ids` null for @api.model methods. */
  callMethod(
    model: string,
    method: string,
    ids: readonly number[] | null,
    kwargs?: Readonly<Record<string, unknown>>,
  ): Promise<unknown>;
  close(): void;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asIds(site: CallSite, v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v;
  throw odooProtocolError(site, 'a list of record ids', v);
}

function asArray<T>(site: CallSite, v: unknown): T[] {
  if (Array.isArray(v)) return v as T[];
  throw odooProtocolError(site, 'a list', v);
}

export function createOdooClient(options: OdooClientOptions): OdooClient {
  const transport =
    options.transport ??
    createHttpTransport({
      baseUrl: options.url,
      timeoutMs: options.timeoutMs,
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
    });
  let apiKey = options.apiKey;
  const creds = {
    db: options.db,
    login: options.login,
    get apiKey(): string {
      return apiKey;
    },
  };
  const rpc: JsonRpcCaller = createJsonRpcCaller(transport);
  const json2: Json2Caller = createJson2Caller(transport, creds);
  const readPolicy = options.readRetry ?? DEFAULT_BACKOFF;
  const context = options.context;
  /**
   * The client's context under a call's own: a call's keys (e.g. `skip_backorder` on a
   * `button_validate`) win over the defaults, and the defaults never drop them.
   */
  function withContext(kwargs: Record<string, unknown>): Record<string, unknown> {
    if (context === undefined) return kwargs;
    const own = kwargs['context'];
    const merged = own !== null && typeof own === 'object' ? { ...context, ...own } : context;
    return { ...kwargs, context: merged };
  }

  let versionPromise: Promise<OdooVersion> | undefined;
  let uidPromise: Promise<number> | undefined;

  function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return options.breaker === undefined ? fn() : options.breaker.run(what, fn);
  }

  /**
   * Odoo refused the key (401, AccessDenied, authenticate -> false): when it comes from a file, the
   * file may hold a rotated one. Retried once with it: Odoo checks the key before it runs anything,
   * so even a write is safe to repeat. Calls that failed together share one re-read.
   */
  async function withFreshKey<T>(fn: () => Promise<T>): Promise<T> {
    const used = apiKey;
    try {
      return await fn();
    } catch (err) {
      const file = options.apiKeyFile;
      if (file === undefined || !(err instanceof OdooError) || err.code !== 'SHIFTSTREAM_ODOO_AUTH') throw err;
      if (apiKey === used) {
        let next: string;
        try {
          next = await readApiKeyFile(file);
        } catch (readErr) {
          throw new OdooError('SHIFTSTREAM_ODOO_AUTH', `${err.message}; reading the key again: ${errText(readErr)}`, {
            cause: err,
            details: err.details,
          });
        }
        if (next === used) throw err;
        apiKey = next;
        uidPromise = undefined;
      }
      return fn();
    }
  }

  function retried<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(() => guarded(what, fn), {
      policy: readPolicy,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
  }

  async function detectVersion(): Promise<OdooVersion> {
    const site: CallSite = { protocol: 'jsonrpc', method: 'common.version' };
    let v: ServerVersion;
    if (options.protocol === 'json2') {
      v = await fetchWebVersion(transport);
    } else {
      try {
        v = parseServerVersion(site, await rpc.call('common', 'version', [], site));
      } catch (err) {
        // Newer servers may refuse the deprecated services: fall back to GET /web/version (v19+).
        if (
          !(err instanceof OdooError) ||
          (err.code !== 'SHIFTSTREAM_ODOO_MISSING' && err.code !== 'SHIFTSTREAM_ODOO_PROTOCOL')
        )
          throw err;
        v = await fetchWebVersion(transport);
      }
    }
    const protocol: OdooProtocol =
      options.protocol === 'auto' ? (v.major >= 19 ? 'json2' : 'jsonrpc') : options.protocol;
    return { ...v, protocol };
  }

  function version(): Promise<OdooVersion> {
    versionPromise ??= retried('odoo version', detectVersion).catch((err: unknown) => {
      versionPromise = undefined;
      throw err;
    });
    return versionPromise;
  }

  async function protocol(): Promise<OdooProtocol> {
    if (options.protocol !== 'auto') return options.protocol;
    return (await version()).protocol;
  }

  async function doAuthenticate(): Promise<number> {
    if ((await protocol()) === 'json2') {
      const site: CallSite = { protocol: 'json2', model: 'res.users', method: 'context_get' };
      const ctx = await retried('odoo context_get', () => json2.call('res.users', 'context_get', {}));
      const uid = typeof ctx === 'object' && ctx !== null ? (ctx as Record<string, unknown>)['uid'] : undefined;
      if (typeof uid !== 'number') throw odooProtocolError(site, 'a context with a numeric uid', ctx);
      return uid;
    }
    const site: CallSite = { protocol: 'jsonrpc', method: 'common.authenticate' };
    const uid = await retried('odoo authenticate', () =>
      rpc.call('common', 'authenticate', [options.db, options.login, apiKey, {}], site),
    );
    if (typeof uid !== 'number' || uid === 0) {
      throw new OdooError(
        'SHIFTSTREAM_ODOO_AUTH',
        `odoo jsonrpc common.authenticate: database ${JSON.stringify(options.db)} refused login ` +
          `${JSON.stringify(options.login)} with the configured API ` +
          `key (expected a user id, found ${JSON.stringify(uid)})`,
        {
          details: { protocol: 'jsonrpc', db: options.db, login: options.login },
        },
      );
    }
    return uid;
  }

  function authenticateOnce(): Promise<number> {
    uidPromise ??= doAuthenticate().catch((err: unknown) => {
      uidPromise = undefined;
      throw err;
    });
    return uidPromise;
  }

  /**
   * One object call. `rpcArgs`/`rpcKwargs` are the JSON-RPC execute_kw shape (positional where
   * Odoo's call_kw needs it, e.g. create's vals_list); `named` is the JSON-2 body.
   */
  async function objectCall(
    model: string,
    method: string,
    rpcArgs: readonly unknown[],
    rpcKwargs: Record<string, unknown>,
    named: Record<string, unknown>,
    read: boolean,
  ): Promise<unknown> {
    const proto = await protocol();
    const what = `odoo ${model}.${method}`;
    return withFreshKey(async () => {
      let fn: () => Promise<unknown>;
      if (proto === 'json2') {
        const body = withContext(named);
        fn = () => json2.call(model, method, body);
      } else {
        const uid = await authenticateOnce();
        const kwargs = withContext(rpcKwargs);
        const site: CallSite = { protocol: 'jsonrpc', model, method };
        const key = apiKey;
        fn = () => rpc.call('object', 'execute_kw', [options.db, uid, key, model, method, rpcArgs, kwargs], site);
      }
      return read ? retried(what, fn) : guarded(what, fn);
    });
  }

  function searchOpts(opts: SearchOptions | undefined): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    if (opts?.offset !== undefined) o['offset'] = opts.offset;
    if (opts?.limit !== undefined) o['limit'] = opts.limit;
    if (opts?.order !== undefined) o['order'] = opts.order;
    return o;
  }

  async function readGroup(
    model: string,
    domain: Domain,
    groupby: readonly string[],
    aggregates: readonly string[],
  ): Promise<ReadGroupRow[]> {
    const v = await version();
    const site: CallSite = {
      protocol: v.protocol,
      model,
      method: v.major >= 19 ? 'formatted_read_group' : 'read_group',
    };
    if (v.major >= 19) {
      const aggs = [...aggregates, '__count'];
      const rows = asArray<Record<string, unknown>>(
        site,
        await objectCall(
          model,
          'formatted_read_group',
          [domain],
          { groupby, aggregates: aggs },
          { domain, groupby, aggregates: aggs },
          true,
        ),
      );
      return rows.map((row) => ({
        groups: Object.fromEntries(groupby.map((g) => [g, row[g]])),
        aggregates: Object.fromEntries(aggregates.map((a) => [a, Number(row[a] ?? 0)])),
        count: Number(row['__count'] ?? 0),
      }));
    }
    const rows = asArray<Record<string, unknown>>(
      site,
      await objectCall(
        model,
        'read_group',
        [domain, aggregates, groupby],
        { lazy: false },
        { domain, fields: aggregates, groupby, lazy: false },
        true,
      ),
    );
    return rows.map((row) => ({
      groups: Object.fromEntries(groupby.map((g) => [g, row[g]])),
      // read_group names the aggregate after its field: `duration:sum` -> `duration`.
      aggregates: Object.fromEntries(aggregates.map((a) => [a, Number(row[a.split(':')[0] ?? a] ?? 0)])),
      count: Number(row['__count'] ?? 0),
    }));
  }

  return {
    version,
    authenticate: () => withFreshKey(authenticateOnce),
    async create(model, valsList) {
      if (valsList.length === 0) return [];
      const proto = await protocol();
      const result = await objectCall(model, 'create', [valsList], {}, { vals_list: valsList }, false);
      return asIds({ protocol: proto, model, method: 'create' }, result);
    },
    async searchRead<T>(model: string, domain: Domain, fields: readonly string[], opts?: SearchOptions) {
      const o = searchOpts(opts);
      const result = await objectCall(model, 'search_read', [domain], { fields, ...o }, { domain, fields, ...o }, true);
      return asArray<T>({ protocol: await protocol(), model, method: 'search_read' }, result);
    },
    async search(model, domain, opts) {
      const o = searchOpts(opts);
      const result = await objectCall(model, 'search', [domain], o, { domain, ...o }, true);
      return asIds({ protocol: await protocol(), model, method: 'search' }, result);
    },
    async searchCount(model, domain) {
      const result = await objectCall(model, 'search_count', [domain], {}, { domain }, true);
      if (typeof result !== 'number')
        throw odooProtocolError({ protocol: await protocol(), model, method: 'search_count' }, 'a number', result);
      return result;
    },
    async write(model, ids, vals) {
      if (ids.length === 0) return true;
      return (await objectCall(model, 'write', [ids, vals], {}, { ids, vals }, false)) === true;
    },
    async unlink(model, ids) {
      if (ids.length === 0) return true;
      return (await objectCall(model, 'unlink', [ids], {}, { ids }, false)) === true;
    },
    readGroup,
    async callMethod(model, method, ids, kwargs = {}) {
      const args = ids === null ? [] : [ids];
      const named = ids === null ? { ...kwargs } : { ids, ...kwargs };
      return objectCall(model, method, args, { ...kwargs }, named, false);
    },
    close: () => transport.close(),
  };
}
