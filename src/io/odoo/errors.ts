// Maps Odoo's real error shapes to typed OdooErrors (see /work/shared/odoo/external-api.md).
//
// JSON-RPC: HTTP 200 + {"error": {code, message: "Odoo Server Error",
//           data: {name, message, arguments, context, debug}}}
// JSON-2:   HTTP 4xx/5xx + {name, message, arguments, context, debug}
// The exception name (`data.name` / `name`) decides the code; the HTTP status is only used when no
// name is known. Odoo's name and message are kept in `details` (the traceback is cut short).
import { OdooError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

export type OdooProtocol = 'json2' | 'jsonrpc';

/** Where the call went: goes into every error's details and message. */
export interface CallSite {
  readonly protocol: OdooProtocol;
  readonly model?: string;
  readonly method: string;
}

/** The `data` object of a JSON-RPC error, or the body of a JSON-2 error. */
export interface OdooErrorBody {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly arguments?: unknown;
  readonly context?: unknown;
  readonly debug?: unknown;
}

const DEBUG_KEEP_CHARS = 2_000;

const CODE_BY_NAME: ReadonlyMap<string, ErrorCode> = new Map<string, ErrorCode>([
  ['odoo.exceptions.ValidationError', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['odoo.exceptions.UserError', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['odoo.exceptions.RedirectWarning', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['odoo.exceptions.except_orm', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['builtins.ValueError', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['builtins.TypeError', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['werkzeug.exceptions.UnprocessableEntity', 'SHIFTSTREAM_ODOO_VALIDATION'],
  ['odoo.exceptions.AccessError', 'SHIFTSTREAM_ODOO_ACCESS'],
  ['werkzeug.exceptions.Forbidden', 'SHIFTSTREAM_ODOO_ACCESS'],
  ['odoo.exceptions.AccessDenied', 'SHIFTSTREAM_ODOO_AUTH'],
  ['werkzeug.exceptions.Unauthorized', 'SHIFTSTREAM_ODOO_AUTH'],
  ['odoo.http.SessionExpiredException', 'SHIFTSTREAM_ODOO_AUTH'],
  ['odoo.exceptions.MissingError', 'SHIFTSTREAM_ODOO_MISSING'],
  ['builtins.AttributeError', 'SHIFTSTREAM_ODOO_MISSING'],
  ['werkzeug.exceptions.NotFound', 'SHIFTSTREAM_ODOO_MISSING'],
  ['psycopg2.errors.SerializationFailure', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['psycopg2.errors.DeadlockDetected', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['psycopg2.errors.LockNotAvailable', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['psycopg.errors.SerializationFailure', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['odoo.exceptions.ConcurrencyError', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['odoo.exceptions.LockError', 'SHIFTSTREAM_ODOO_CONCURRENCY'],
  ['werkzeug.exceptions.BadRequest', 'SHIFTSTREAM_ODOO_PROTOCOL'],
]);

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'SHIFTSTREAM_ODOO_AUTH';
  if (status === 403) return 'SHIFTSTREAM_ODOO_ACCESS';
  if (status === 404) return 'SHIFTSTREAM_ODOO_MISSING';
  if (status === 409) return 'SHIFTSTREAM_ODOO_CONCURRENCY';
  if (status === 422) return 'SHIFTSTREAM_ODOO_VALIDATION';
  if (status === 408 || status === 429) return 'SHIFTSTREAM_ODOO_NETWORK';
  if (status === 500) return 'SHIFTSTREAM_ODOO_SERVER';
  if (status >= 500) return 'SHIFTSTREAM_ODOO_NETWORK';
  return 'SHIFTSTREAM_ODOO_PROTOCOL';
}

function where(site: CallSite): string {
  return site.model === undefined
    ? `odoo ${site.protocol} ${site.method}`
    : `odoo ${site.protocol} ${site.model}.${site.method}`;
}

function siteDetails(site: CallSite): Record<string, unknown> {
  return site.model === undefined
    ? { protocol: site.protocol, method: site.method }
    : { protocol: site.protocol, model: site.model, method: site.method };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Builds the error for an Odoo exception body (JSON-RPC `error.data` or a JSON-2 error body). */
export function odooErrorFromBody(
  site: CallSite,
  body: OdooErrorBody,
  httpStatus: number,
  rpcCode?: number,
): OdooError {
  const name = text(body.name);
  const message = text(body.message) ?? '(no message)';
  let code: ErrorCode | undefined = name === undefined ? undefined : CODE_BY_NAME.get(name);
  if (code === undefined) {
    if (rpcCode === 100) code = 'SHIFTSTREAM_ODOO_AUTH';
    else if (rpcCode === 404) code = 'SHIFTSTREAM_ODOO_MISSING';
    else if (httpStatus >= 400) code = codeForStatus(httpStatus);
    // A JSON-RPC error with an unknown Python exception: a server-side failure, like a JSON-2 500.
    else code = 'SHIFTSTREAM_ODOO_SERVER';
  }
  const debug = text(body.debug);
  const details: Record<string, unknown> = {
    ...siteDetails(site),
    httpStatus,
    odooName: name ?? null,
    odooMessage: message,
  };
  if (rpcCode !== undefined) details['rpcCode'] = rpcCode;
  if (body.arguments !== undefined) details['odooArguments'] = body.arguments;
  if (debug !== undefined)
    details['odooDebug'] = debug.length > DEBUG_KEEP_CHARS ? `${debug.slice(0, DEBUG_KEEP_CHARS)}...` : debug;
  return new OdooError(code, `${where(site)}: Odoo raised ${name ?? 'an error'}: ${message}`, { details });
}

/** An HTTP answer that is not an Odoo error body (proxy page, HTML 404, garbage). */
export function odooErrorFromHttp(site: CallSite, status: number, bodyText: string): OdooError {
  const code = codeForStatus(status);
  const snippet = bodyText.length > 300 ? `${bodyText.slice(0, 300)}...` : bodyText;
  return new OdooError(code, `${where(site)}: expected a JSON answer, got HTTP ${status}: ${JSON.stringify(snippet)}`, {
    details: { ...siteDetails(site), httpStatus: status, body: snippet },
  });
}

export function odooProtocolError(site: CallSite, expected: string, found: unknown): OdooError {
  const shown = JSON.stringify(found);
  return new OdooError(
    'SHIFTSTREAM_ODOO_PROTOCOL',
    `${where(site)}: expected ${expected}, found ${shown === undefined ? String(found) : shown.slice(0, 300)}`,
    {
      details: { ...siteDetails(site), expected },
    },
  );
}

/** Network failure: connection refused/reset, TLS failure, timeout. The request may or may not have run. */
export function odooNetworkError(site: CallSite, url: string, cause: unknown, timeoutMs: number): OdooError {
  const err = cause as { name?: string; code?: string; message?: string } | undefined;
  const timedOut = err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.code === 'ABORT_ERR';
  const what = timedOut
    ? `no answer within ${timeoutMs} ms`
    : `${err?.code ?? err?.name ?? 'error'}: ${err?.message ?? String(cause)}`;
  return new OdooError('SHIFTSTREAM_ODOO_NETWORK', `${where(site)}: request to ${url} failed (${what})`, {
    cause,
    details: { ...siteDetails(site), url, timedOut, errno: err?.code ?? null },
  });
}
