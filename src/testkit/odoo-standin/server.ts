// A small Odoo stand-in for tests and benchmarks: GET /web/version (19), POST /jsonrpc
// (common: version, login, authenticate; object: execute_kw, execute) and POST
// /json/2/<model>/<method> (19), with Odoo's error shapes, an in-memory ORM checked against
// models.json, call counters and fault injection.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessRights, OPERATION_OF_METHOD, type AccessOperation } from './access.js';
import { accessError } from './errors.js';
import type { CallInfo, FaultRule, Faults } from './faults.js';
import { createFaults } from './faults.js';
import { bindArgs, findMethod, type MethodEnv } from './methods.js';
import { hooksFor, methodsFor } from './modules.js';
import type { Addon } from './schema-extra.js';
import type { Edition } from './schema.js';
import type { SeedProduct } from './seed.js';
import { COMPANY_ID, UID, seed } from './seed.js';
import type { Row } from './store.js';
import { StandinOdooError, Store } from './store.js';

export type StandinVersion = 17 | 18 | 19;

export interface OdooStandinOptions {
  /** Emulated Odoo major version (default 19, which serves JSON-2 and JSON-RPC). */
  readonly version?: StandinVersion;
  readonly db?: string;
  readonly login?: string;
  readonly apiKey?: string;
  /** Added to every call (e.g. 20 ms to measure throughput against a remote Odoo). */
  readonly latencyMs?: number;
  /** Seed of probability-based faults. */
  readonly seed?: number;
  /** Work centers to seed (default WC-01..WC-03). */
  readonly workCenters?: readonly { readonly code: string; readonly name?: string }[];
  /**
   * 'enterprise' adds the Enterprise modules (mrp_workorder, mrp_maintenance, quality,
   * quality_control, quality_mrp...): their models and fields exist only then. Default 'community'.
   */
  readonly edition?: Edition;
  /** Optional Community modules to install: 'product_expiry' (lot expiration dates, the expired-lot wizard). */
  readonly addons?: readonly Addon[];
  /** Products to seed (by default none). */
  readonly products?: readonly SeedProduct[];
  readonly host?: string;
  readonly port?: number;
  readonly nowMs?: () => number;
}

export interface CallRecord extends CallInfo {
  readonly fault: string | null;
  readonly ok: boolean;
}

export interface StandinCalls {
  readonly list: readonly CallRecord[];
  /** Calls that reached the stand-in, optionally filtered by model and method. */
  count(model?: string, method?: string): number;
  reset(): void;
}

export interface OdooStandin {
  readonly url: string;
  readonly db: string;
  /** The key Odoo accepts now (see rotateApiKey). */
  readonly apiKey: string;
  readonly login: string;
  readonly uid: number;
  readonly companyId: number;
  readonly version: StandinVersion;
  readonly edition: Edition;
  readonly faults: Faults;
  readonly calls: StandinCalls;
  /** Copies of the stored rows (raw: many2one as ids). */
  records(model: string): Row[];
  /** Direct store access for tests (e.g. delete a record behind the client's back). */
  readonly store: Store;
  /** Takes a right away from the API user (as removing a group would); every call needing it gets AccessError. */
  denyAccess(model: string, operation: AccessOperation): void;
  /** Every right granted again. */
  restoreAccess(): void;
  /** A new API key replaces the current one, which stops working at once (as when it is deleted in Odoo). */
  rotateApiKey(newKey?: string): string;
  stop(): Promise<void>;
}

function errorBody(err: unknown): { name: string; message: string; status: number } {
  if (err instanceof StandinOdooError) return { name: err.odooName, message: err.message, status: err.status };
  return { name: 'builtins.Exception', message: err instanceof Error ? err.message : String(err), status: 500 };
}

export async function startOdooStandin(options: OdooStandinOptions = {}): Promise<OdooStandin> {
  const version = options.version ?? 19;
  const db = options.db ?? 'standin';
  const login = options.login ?? 'integration';
  let apiKey = options.apiKey ?? randomBytes(20).toString('hex');
  const access = new AccessRights();
  const nowMs = options.nowMs ?? Date.now;
  const edition = options.edition ?? 'community';
  const store = new Store({
    nowMs,
    uid: () => UID,
    companyId: () => COMPANY_ID,
    version,
    edition,
    addons: options.addons ?? [],
    hooks: hooksFor(edition, options.addons ?? []),
  });
  const modelMethods = methodsFor(edition, options.addons ?? []);
  seed(store, {
    login,
    workCenters: options.workCenters ?? [{ code: 'WC-01' }, { code: 'WC-02' }, { code: 'WC-03' }],
    products: options.products ?? [],
  });
  const faults = createFaults(options.seed ?? 1);
  const list: CallRecord[] = [];
  const calls: StandinCalls = {
    list,
    count: (model, method) =>
      list.filter((c) => (model === undefined || c.model === model) && (method === undefined || c.method === method))
        .length,
    reset: () => {
      list.length = 0;
    },
  };
  // Enterprise builds set release.version_info[5] = '+e' (server_version '19.0+e').
  const suffix = edition === 'enterprise' ? '+e' : '';
  const versionInfo = {
    server_version: `${version}.0${suffix}`,
    server_version_info: [version, 0, 0, 'final', 0, suffix],
    server_serie: `${version}.0`,
    protocol_version: 1,
  };

  function execute(
    protocol: 'jsonrpc' | 'json2',
    model: string,
    method: string,
    ids: readonly unknown[],
    positional: readonly unknown[],
    named: Readonly<Record<string, unknown>>,
  ): unknown {
    // The model is looked up first (execute_cr / the JSON-2 controller), then the method.
    if (!store.schema.has(model)) {
      if (protocol === 'json2')
        throw new StandinOdooError(
          'werkzeug.exceptions.NotFound',
          `404 Not Found: the model '${model}' does not exist`,
          404,
        );
      throw new StandinOdooError('odoo.exceptions.UserError', `Object ${model} doesn't exist`, 422);
    }
    if (method.startsWith('_'))
      throw accessError(
        version >= 19
          ? `Private methods (such as '${model}.${method}') cannot be called remotely.`
          : `Private methods (such as ${method}) cannot be called remotely.`,
      );
    const def = findMethod(modelMethods, model, method, version);
    if (def === undefined) {
      const text =
        version >= 19
          ? `The method '${model}.${method}' does not exist`
          : `The method '${method}' does not exist on the model '${model}'`;
      if (protocol === 'json2')
        throw new StandinOdooError('werkzeug.exceptions.NotFound', `404 Not Found: ${text}`, 404);
      throw new StandinOdooError('builtins.AttributeError', text, 404);
    }
    const args = bindArgs(method, def, positional, named);
    const operation = OPERATION_OF_METHOD[method];
    if (operation !== undefined) access.check(model, operation);
    const context = named['context'];
    const env: MethodEnv = {
      ...store.env(
        typeof context === 'object' && context !== null && !Array.isArray(context)
          ? (context as Record<string, unknown>)
          : {},
        true,
      ),
      access,
    };
    return def.run(store, model, ids, args, env);
  }

  function handleJsonRpc(payload: Record<string, unknown>): { call: CallInfo; run: () => unknown } {
    const params = (payload['params'] ?? {}) as Record<string, unknown>;
    const service = String(params['service']);
    const method = String(params['method']);
    const args = Array.isArray(params['args']) ? (params['args'] as unknown[]) : [];
    if (service === 'common') {
      return {
        call: { protocol: 'jsonrpc', model: 'common', method },
        run: () => {
          if (method === 'version') return versionInfo;
          if (method === 'login' || method === 'authenticate')
            return args[0] === db && args[1] === login && args[2] === apiKey ? UID : false;
          throw new StandinOdooError('builtins.AttributeError', `'common' service has no method '${method}'`, 500);
        },
      };
    }
    if (service === 'object' && (method === 'execute_kw' || method === 'execute')) {
      const [dbArg, uid, key, model, odooMethod, ...rest] = args;
      const call: CallInfo = { protocol: 'jsonrpc', model: String(model), method: String(odooMethod) };
      return {
        call,
        run: () => {
          if (dbArg !== db || uid !== UID || key !== apiKey)
            throw new StandinOdooError('odoo.exceptions.AccessDenied', 'Access Denied', 403);
          const positional = method === 'execute_kw' ? (Array.isArray(rest[0]) ? (rest[0] as unknown[]) : []) : rest;
          const kwargs =
            method === 'execute_kw' && typeof rest[1] === 'object' && rest[1] !== null
              ? (rest[1] as Record<string, unknown>)
              : {};
          const def = findMethod(modelMethods, call.model, call.method, version);
          const ids = def?.onRecords === true ? ((positional[0] as unknown[]) ?? []) : [];
          const result = execute(
            'jsonrpc',
            call.model,
            call.method,
            ids,
            def?.onRecords === true ? positional.slice(1) : positional,
            kwargs,
          );
          // call_kw special case: create with one dict returns an id, with a list a list.
          if (
            call.method === 'create' &&
            Array.isArray(result) &&
            positional[0] !== undefined &&
            !Array.isArray(positional[0])
          )
            return result[0] as unknown;
          return result;
        },
      };
    }
    return {
      call: { protocol: 'jsonrpc', model: service, method },
      run: () => {
        throw new StandinOdooError('builtins.Exception', `unknown service/method ${service}.${method}`, 500);
      },
    };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void respond(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`stand-in failure: ${String(err)}`);
      });
    });
  });

  function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...extra,
    });
    res.end(text);
  }

  function notFound(res: http.ServerResponse): void {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>404: Not Found</title><h1>Not Found</h1>');
  }

  async function respond(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method === 'GET' && (url.pathname === '/web/version' || url.pathname === '/json/version')) {
      if (version < 19) return notFound(res);
      return sendJson(res, 200, versionInfo);
    }
    let call: CallInfo;
    let run: () => unknown;
    let protocol: 'jsonrpc' | 'json2';
    let rpcId: unknown = null;
    if (req.method === 'POST' && url.pathname === '/jsonrpc') {
      protocol = 'jsonrpc';
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(body) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('Invalid JSON data');
        return;
      }
      rpcId = payload['id'] ?? null;
      ({ call, run } = handleJsonRpc(payload));
    } else if (url.pathname.startsWith('/json/2/') && version >= 19) {
      protocol = 'json2';
      const parts = url.pathname.slice('/json/2/'.length).split('/').map(decodeURIComponent);
      if (req.method !== 'POST' || parts.length !== 2) {
        return sendJson(res, 404, {
          name: 'werkzeug.exceptions.NotFound',
          message: 'Did you mean POST /json/2/<model>/<method>?',
          arguments: [],
          context: {},
          debug: '',
        });
      }
      const [model, method] = parts as [string, string];
      call = { protocol: 'json2', model, method };
      const auth = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
      if (auth === null || auth[1] !== apiKey) {
        list.push({ ...call, fault: null, ok: false });
        return sendJson(
          res,
          401,
          {
            name: 'werkzeug.exceptions.Unauthorized',
            message: 'Invalid apikey',
            arguments: ['Invalid apikey'],
            context: {},
            debug: '',
          },
          { 'www-authenticate': 'bearer' },
        );
      }
      let params: Record<string, unknown>;
      try {
        const parsed = JSON.parse(body === '' ? '{}' : body) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        params = parsed as Record<string, unknown>;
      } catch {
        list.push({ ...call, fault: null, ok: false });
        return sendJson(res, 400, {
          name: 'werkzeug.exceptions.BadRequest',
          message: 'could not parse the body as json',
          arguments: [],
          context: {},
          debug: '',
        });
      }
      run = () => {
        const { ids, ...named } = params;
        const def = store.schema.has(model) ? findMethod(modelMethods, model, method, version) : undefined;
        if (def !== undefined && !def.onRecords && Array.isArray(ids) && ids.length > 0) {
          throw new StandinOdooError(
            'werkzeug.exceptions.UnprocessableEntity',
            `cannot call ${model}.${method} with ids`,
            422,
          );
        }
        return execute('json2', model, method, Array.isArray(ids) ? ids : [], [], named);
      };
    } else {
      return notFound(res);
    }

    const picked = faults.pick(call);
    const record = (fault: string | null, ok: boolean): void => {
      list.push({ ...call, fault, ok });
    };
    const delay =
      (options.latencyMs ?? 0) +
      picked.filter((f) => f.kind === 'latency').reduce((n, f) => n + (f.latencyMs ?? 100), 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const fault: FaultRule | undefined = picked.find((f) => f.kind !== 'latency');

    const sendError = (err: unknown): void => {
      const e = errorBody(err);
      const data = {
        name: e.name,
        message: e.message,
        arguments: [e.message],
        context: {},
        debug: `Traceback (most recent call last):\n  (odoo stand-in)\n${e.name}: ${e.message}`,
      };
      if (protocol === 'jsonrpc')
        sendJson(res, 200, {
          jsonrpc: '2.0',
          id: rpcId,
          error: { code: version >= 19 ? 0 : 200, message: 'Odoo Server Error', data },
        });
      else sendJson(res, e.status, data);
    };

    switch (fault?.kind) {
      case 'http5xx': {
        record('http5xx', false);
        const status = fault.status ?? 503;
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${status} Service Unavailable</h1></body></html>`);
        return;
      }
      case 'hang':
        record('hang', false);
        return; // never answers; the client's timeout fires, stop() closes the socket
      case 'reset':
        record('reset', false);
        req.socket.destroy();
        return;
      case 'serialization':
        record('serialization', false);
        return sendError(
          new StandinOdooError(
            'psycopg2.errors.SerializationFailure',
            'could not serialize access due to concurrent update',
            500,
          ),
        );
      case 'validation':
        record('validation', false);
        return sendError(
          new StandinOdooError('odoo.exceptions.ValidationError', 'Injected validation error (stand-in fault)', 422),
        );
      default:
        break;
    }
    let result: unknown;
    // One transaction per call, as Odoo: a refused call changes nothing.
    store.begin();
    try {
      result = run();
      store.commit();
    } catch (err) {
      store.rollback();
      record(fault?.kind ?? null, false);
      return sendError(err);
    }
    if (fault?.kind === 'lost-after-commit') {
      record('lost-after-commit', true);
      req.socket.destroy();
      return;
    }
    record(null, true);
    if (protocol === 'jsonrpc')
      sendJson(
        res,
        200,
        result === undefined || result === null ? { jsonrpc: '2.0', id: rpcId } : { jsonrpc: '2.0', id: rpcId, result },
      );
    else sendJson(res, 200, result ?? null);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    db,
    get apiKey() {
      return apiKey;
    },
    login,
    uid: UID,
    companyId: COMPANY_ID,
    version,
    edition,
    faults,
    calls,
    store,
    records: (model) => [...store.table(model).values()].map((r) => ({ ...r })),
    denyAccess: (model, operation) => access.deny(model, operation),
    restoreAccess: () => access.reset(),
    rotateApiKey(newKey) {
      apiKey = newKey ?? randomBytes(20).toString('hex');
      return apiKey;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
