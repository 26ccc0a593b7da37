// HTTP transport for the Odoo client: node:http/node:https with keep-alive, a per-request timeout
// (AbortSignal.timeout) and an optional custom CA file for TLS. No logging here: the API key
// travels in headers/bodies and is never written anywhere (see `redactSecret`).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ConfigError } from '../../errors.js';

export interface TransportOptions {
  /** `http://host:8069` or `https://erp.example.com` (a path prefix is kept). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** PEM file with extra CA certificates (private CA). */
  readonly caFile?: string;
  /** Default true. Only for test servers with self-signed certificates. */
  readonly rejectUnauthorized?: boolean;
  readonly maxSockets?: number;
  readonly userAgent?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface Transport {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Resolves with any HTTP status; rejects only on network errors and timeouts. */
  request(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    headers: Readonly<Record<string, string>>,
  ): Promise<HttpAnswer>;
  close(): void;
}

export function createHttpTransport(options: TransportOptions): Transport {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (cause) {
    throw new ConfigError(
      'SHIFTSTREAM_CONFIG_INVALID',
      `odoo.url: expected an http(s) URL, found ${JSON.stringify(options.baseUrl)}`,
      { cause },
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ConfigError('SHIFTSTREAM_CONFIG_INVALID', `odoo.url: expected http: or https:, found ${base.protocol}`);
  }
  const isHttps = base.protocol === 'https:';
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile);
    } catch (cause) {
      throw new ConfigError('SHIFTSTREAM_CONFIG_INVALID', `odoo.caFile: cannot read ${options.caFile}`, { cause });
    }
  }
  const maxSockets = options.maxSockets ?? 8;
  const agent = isHttps
    ? new https.Agent({
        keepAlive: true,
        maxSockets,
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      })
    : new http.Agent({ keepAlive: true, maxSockets });
  const prefix = base.pathname.replace(/\/+$/, '');
  const userAgent = options.userAgent ?? 'shiftstream-odoo-client';

  function request(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    headers: Readonly<Record<string, string>>,
  ): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const allHeaders: Record<string, string | number> = {
      'user-agent': userAgent,
      accept: 'application/json',
      ...headers,
    };
    if (payload !== undefined) {
      allHeaders['content-type'] = 'application/json; charset=utf-8';
      allHeaders['content-length'] = payload.length;
    }
    const reqOptions: http.RequestOptions = {
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port === '' ? undefined : Number(base.port),
      path: `${prefix}${path}`,
      headers: allHeaders,
      agent,
      signal: AbortSignal.timeout(options.timeoutMs),
    };
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = (isHttps ? https : http).request(reqOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    baseUrl: `${base.origin}${prefix}`,
    timeoutMs: options.timeoutMs,
    request,
    close: () => agent.destroy(),
  };
}

/** For logs and print-config: never shows any part of a secret, only whether one is set. */
export function redactSecret(secret: string | undefined): string {
  return secret === undefined || secret.length === 0 ? '(unset)' : '[redacted]';
}
