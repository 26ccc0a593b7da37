// The two wire protocols behind the Odoo client.
// - JSON-RPC (`POST /jsonrpc`, Odoo <= 18, deprecated in 19): services `common` and `object`;
//   execute_kw(db, uid, apiKey, model, method, args, kwargs). Errors come as HTTP 200 envelopes.
// - JSON-2 (`POST /json/2/<model>/<method>`, Odoo >= 19): bearer API key, parameters by name,
//   `ids` for record methods, HTTP status codes for errors.
import type { CallSite, OdooProtocol } from './errors.js';
import { odooErrorFromBody, odooErrorFromHttp, odooNetworkError, odooProtocolError } from './errors.js';
import type { HttpAnswer, Transport } from './transport.js';

export interface Credentials {
  readonly db: string;
  readonly login: string;
  /** Read at every call: the client swaps in a rotated key (api-key-file.ts). */
  readonly apiKey: string;
}

async function send(
  transport: Transport,
  site: CallSite,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  try {
    return await transport.request(method, path, body, headers);
  } catch (cause) {
    throw odooNetworkError(site, `${transport.baseUrl}${path}`, cause, transport.timeoutMs);
  }
}

function parseJson(site: CallSite, answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw odooErrorFromHttp(site, answer.status, answer.body);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface JsonRpcCaller {
  readonly protocol: 'jsonrpc';
  /** Raw service call; returns `result`, or null when Odoo omitted it (method returned None). */
  call(service: 'common' | 'object', method: string, args: readonly unknown[], site: CallSite): Promise<unknown>;
}

export function createJsonRpcCaller(transport: Transport): JsonRpcCaller {
  let nextId = 1;
  async function call(
    service: 'common' | 'object',
    method: string,
    args: readonly unknown[],
    site: CallSite,
  ): Promise<unknown> {
    const id = nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id });
    const answer = await send(transport, site, 'POST', '/jsonrpc', body, {});
    if (answer.status !== 200) throw odooErrorFromHttp(site, answer.status, answer.body);
    const parsed = parseJson(site, answer);
    if (!isObject(parsed)) throw odooProtocolError(site, 'a JSON-RPC envelope object', parsed);
    const error = parsed['error'];
    if (error !== undefined && error !== null) {
      if (!isObject(error)) throw odooProtocolError(site, 'an error object', error);
      const data = isObject(error['data']) ? error['data'] : { message: error['message'] };
      const code = typeof error['code'] === 'number' ? error['code'] : undefined;
      throw odooErrorFromBody(site, data, 200, code);
    }
    return 'result' in parsed ? parsed['result'] : null;
  }
  return { protocol: 'jsonrpc', call };
}

export interface Json2Caller {
  readonly protocol: 'json2';
  call(model: string, method: string, params: Readonly<Record<string, unknown>>): Promise<unknown>;
}

export function createJson2Caller(transport: Transport, creds: Credentials): Json2Caller {
  async function call(model: string, method: string, params: Readonly<Record<string, unknown>>): Promise<unknown> {
    const site: CallSite = { protocol: 'json2', model, method };
    const headers: Record<string, string> = { authorization: `bearer ${creds.apiKey}` };
    if (creds.db !== '') headers['x-odoo-database'] = creds.db;
    const path = `/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`;
    const answer = await send(transport, site, 'POST', path, JSON.stringify(params), headers);
    if (answer.status === 200) return answer.body === '' ? null : parseJson(site, answer);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body) as unknown;
    } catch {
      throw odooErrorFromHttp(site, answer.status, answer.body);
    }
    if (isObject(parsed) && typeof parsed['name'] === 'string') throw odooErrorFromBody(site, parsed, answer.status);
    throw odooErrorFromHttp(site, answer.status, answer.body);
  }
  return { protocol: 'json2', call };
}

export interface ServerVersion {
  readonly serverVersion: string;
  readonly major: number;
  readonly minor: number;
}

/** `18.0`, `saas~18.2`, `19.0+e`, or server_version_info `[18, 0, 0, 'final', 0, '']`. */
export function parseServerVersion(site: CallSite, raw: unknown): ServerVersion {
  if (isObject(raw)) {
    const info = raw['server_version_info'];
    const text =
      typeof raw['server_version'] === 'string'
        ? raw['server_version']
        : typeof raw['server_serie'] === 'string'
          ? raw['server_serie']
          : undefined;
    const m = text === undefined ? null : /(\d+)\.(\d+)/.exec(text);
    if (m !== null && text !== undefined) return { serverVersion: text, major: Number(m[1]), minor: Number(m[2]) };
    if (Array.isArray(info) && typeof info[0] === 'number') {
      return { serverVersion: info.join('.'), major: info[0], minor: typeof info[1] === 'number' ? info[1] : 0 };
    }
  }
  throw odooProtocolError(site, 'a version object with server_version like "18.0"', raw);
}

export async function fetchWebVersion(transport: Transport): Promise<ServerVersion> {
  const site: CallSite = { protocol: 'json2', method: 'GET /web/version' };
  const answer = await send(transport, site, 'GET', '/web/version', undefined, {});
  if (answer.status !== 200) throw odooErrorFromHttp(site, answer.status, answer.body);
  return parseServerVersion(site, parseJson(site, answer));
}

export type { OdooProtocol };
