// Doctor probe of Odoo: server version (JSON-RPC common.version) and authentication
// (JSON-RPC common.authenticate, or JSON-2 res.users/context_get with the API key as bearer).
import type { Config } from '../../config/types.js';
import { errorText, type ProbeLine } from './probe.js';

async function post(
  url: string,
  body: unknown,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, json };
}

const rpc = (service: string, method: string, args: unknown[]): unknown => ({
  jsonrpc: '2.0',
  method: 'call',
  id: 1,
  params: { service, method, args },
});

export async function probeOdoo(config: Config['odoo']): Promise<ProbeLine[]> {
  if (config === undefined)
    return [
      {
        server: 'odoo',
        status: 'skip',
        message: 'not configured (set SHIFTSTREAM_ODOO__URL, __DB, __LOGIN, __API_KEY)',
      },
    ];
  const base = config.url.replace(/\/+$/, '');
  const lines: ProbeLine[] = [];
  let serie: number;
  try {
    const r = await post(`${base}/jsonrpc`, rpc('common', 'version', []), config.timeoutMs);
    const result = (r.json as { result?: { server_version?: string; server_serie?: string } }).result;
    if (r.status !== 200 || result?.server_version === undefined)
      throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
    serie = Number.parseFloat(result.server_serie ?? result.server_version);
    lines.push({ server: 'odoo', status: 'ok', message: `${base}: reachable, Odoo ${result.server_version}` });
  } catch (err) {
    return [
      {
        server: 'odoo',
        status: 'fail',
        message:
          `${base}: expected an answer to common.version within ` + `${config.timeoutMs} ms, found: ${errorText(err)}`,
      },
    ];
  }
  const json2 = config.protocol === 'json2' || (config.protocol === 'auto' && serie >= 19);
  try {
    if (json2) {
      const r = await post(`${base}/json/2/res.users/context_get`, {}, config.timeoutMs, {
        authorization: `bearer ${config.apiKey}`,
        'x-odoo-database': config.db,
      });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
      lines.push({
        server: 'odoo',
        status: 'ok',
        message: `authenticated as ${config.login} on ${config.db} (JSON-2 API key)`,
      });
    } else {
      const r = await post(
        `${base}/jsonrpc`,
        rpc('common', 'authenticate', [config.db, config.login, config.apiKey, {}]),
        config.timeoutMs,
      );
      const body = r.json as { result?: unknown; error?: { data?: { message?: string }; message?: string } };
      if (typeof body.result !== 'number') {
        throw new Error(
          body.error
            ? (body.error.data?.message ?? body.error.message ?? 'error')
            : `result ${JSON.stringify(body.result)} (wrong login or API key)`,
        );
      }
      lines.push({
        server: 'odoo',
        status: 'ok',
        message: `authenticated as ${config.login} on ${config.db} (uid ${body.result}, JSON-RPC)`,
      });
    }
  } catch (err) {
    lines.push({
      server: 'odoo',
      status: 'fail',
      message: `login ${config.login} on ${config.db}: expected authentication to succeed, found: ${errorText(err)}`,
    });
  }
  return lines;
}
