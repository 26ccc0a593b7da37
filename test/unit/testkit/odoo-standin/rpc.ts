// Raw wire calls to the stand-in, so tests see exactly what a client gets: JSON-RPC envelopes
// (HTTP 200, `result` or `error.data`) and JSON-2 answers (HTTP status + body).
import type { OdooStandin, OdooStandinOptions, StandinVersion } from '../../../../src/testkit/odoo-standin/index.js';
import { startOdooStandin } from '../../../../src/testkit/odoo-standin/index.js';

export type Protocol = 'jsonrpc' | 'json2';

export interface Answer {
  readonly httpStatus: number;
  /** The JSON-RPC envelope or the JSON-2 body. */
  readonly body: unknown;
  /** The method's result; undefined when the call failed. */
  readonly result?: unknown;
  /** Odoo's exception (JSON-RPC error.data, JSON-2 body) when the call failed. */
  readonly error?: { name: string; message: string };
  /** JSON-RPC: the envelope had no `result` key (the method returned None). */
  readonly noResult?: boolean;
}

export interface Rpc {
  readonly protocol: Protocol;
  readonly standin: OdooStandin;
  /** Record methods take `ids`; @api.model methods get ids null. */
  call(
    model: string,
    method: string,
    ids: readonly number[] | null,
    kwargs?: Readonly<Record<string, unknown>>,
  ): Promise<Answer>;
  /** Like call, but fails the test on an Odoo error. */
  ok(
    model: string,
    method: string,
    ids: readonly number[] | null,
    kwargs?: Readonly<Record<string, unknown>>,
  ): Promise<unknown>;
}

export interface Case {
  readonly name: string;
  readonly version: StandinVersion;
  readonly protocol: Protocol;
}

/** JSON-RPC on 17 and 18, JSON-2 on 19 (the client's auto choice), plus JSON-RPC on 19. */
export const CASES: readonly Case[] = [
  { name: 'Odoo 17 JSON-RPC', version: 17, protocol: 'jsonrpc' },
  { name: 'Odoo 18 JSON-RPC', version: 18, protocol: 'jsonrpc' },
  { name: 'Odoo 19 JSON-2', version: 19, protocol: 'json2' },
  { name: 'Odoo 19 JSON-RPC', version: 19, protocol: 'jsonrpc' },
];

const POSITIONAL: Readonly<Record<string, readonly string[]>> = {
  create: ['vals_list'],
  write: ['vals'],
  search_read: ['domain', 'fields'],
  search: ['domain'],
  search_count: ['domain'],
};

/** JSON, or the text itself (a proxy's 503 page). */
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function rpcFor(standin: OdooStandin, protocol: Protocol): Promise<Rpc> {
  let id = 0;
  async function call(
    model: string,
    method: string,
    ids: readonly number[] | null,
    kwargs: Readonly<Record<string, unknown>> = {},
  ): Promise<Answer> {
    if (protocol === 'json2') {
      const res = await fetch(`${standin.url}/json/2/${model}/${method}`, {
        method: 'POST',
        headers: { authorization: `bearer ${standin.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...(ids === null ? {} : { ids }), ...kwargs }),
      });
      const body = parse(await res.text());
      if (res.status === 200) return { httpStatus: 200, body, result: body };
      return { httpStatus: res.status, body, error: body as { name: string; message: string } };
    }
    // Positional like most clients send create/write; everything else by keyword.
    const names = POSITIONAL[method] ?? [];
    const kw: Record<string, unknown> = { ...kwargs };
    const positional: unknown[] = ids === null ? [] : [ids];
    for (const n of names) {
      if (!(n in kw)) break;
      positional.push(kw[n]);
      delete kw[n];
    }
    id += 1;
    const res = await fetch(`${standin.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'call',
        id,
        params: {
          service: 'object',
          method: 'execute_kw',
          args: [standin.db, standin.uid, standin.apiKey, model, method, positional, kw],
        },
      }),
    });
    const text = await res.text();
    const parsed = parse(text);
    if (typeof parsed !== 'object' || parsed === null) return { httpStatus: res.status, body: text };
    const body = parsed as Record<string, unknown>;
    const error = body['error'] as { data: { name: string; message: string } } | undefined;
    if (error !== undefined) return { httpStatus: res.status, body, error: error.data };
    return { httpStatus: res.status, body, result: body['result'], noResult: !('result' in body) };
  }
  return {
    protocol,
    standin,
    call,
    async ok(model, method, ids, kwargs) {
      const a = await call(model, method, ids, kwargs);
      if (a.error !== undefined) throw new Error(`${model}.${method}: ${a.error.name}: ${a.error.message}`);
      return a.result ?? null;
    },
  };
}

export async function start(c: Case, options: OdooStandinOptions = {}): Promise<Rpc> {
  const standin = await startOdooStandin({ version: c.version, workCenters: [{ code: 'WC-01' }], ...options });
  return rpcFor(standin, c.protocol);
}

/** A record id from a create answer (JSON-RPC gives an int for one dict, JSON-2 a list). */
export function idOf(result: unknown): number {
  if (typeof result === 'number') return result;
  if (Array.isArray(result) && typeof result[0] === 'number') return result[0];
  throw new Error(`not a created id: ${JSON.stringify(result)}`);
}

export async function ref(rpc: Rpc, xmlId: string): Promise<number> {
  const [module, name] = xmlId.split('.');
  const rows = (await rpc.ok('ir.model.data', 'search_read', null, {
    domain: [
      ['module', '=', module],
      ['name', '=', name],
    ],
    fields: ['res_id'],
  })) as { res_id: number }[];
  const row = rows[0];
  if (row === undefined) throw new Error(`no xml id ${xmlId}`);
  return row.res_id;
}

export async function productId(rpc: Rpc, code: string): Promise<number> {
  const rows = (await rpc.ok('product.product', 'search_read', null, {
    domain: [['default_code', '=', code]],
    fields: ['id'],
  })) as { id: number }[];
  if (rows[0] === undefined) throw new Error(`no product ${code}`);
  return rows[0].id;
}
