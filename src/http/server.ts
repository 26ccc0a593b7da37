// The operations endpoint, node:http only:
//   GET /metrics  Prometheus text exposition
//   GET /healthz  200 while the process serves requests (liveness)
//   GET /readyz   200 when the readiness probe says ready, else 503 with a JSON body naming what is
//                 not ready
// HEAD works on each. Anything else: 404 (unknown path) or 405 (other methods).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfraError } from '../errors.js';
import type { MetricsExposition } from '../metrics/metrics.js';
import type { ReadinessProbe, ReadinessReport } from './readiness.js';

export interface HttpServerOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default `0.0.0.0` (scraped from other hosts); use `127.0.0.1` in tests. */
  readonly host?: string;
  readonly metrics: MetricsExposition;
  readonly health: { readonly readiness: ReadinessProbe };
  /** Called when a handler fails (the response is then 500); wire it to the logger. */
  readonly onError?: (err: unknown, path: string) => void;
  /** Deadline of one readiness probe; a probe that takes longer counts as not ready. Default 2000 ms. */
  readonly readinessTimeoutMs?: number;
}

export interface HttpServer {
  readonly port: number;
  readonly host: string;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops accepting, closes idle keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : body);
}

async function probeWithDeadline(probe: ReadinessProbe, timeoutMs: number): Promise<ReadinessReport> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ReadinessReport>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ready: false,
          checks: [{ name: 'readiness-probe', ready: false, detail: `probe did not answer within ${timeoutMs} ms` }],
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(probe), deadline]);
  } catch (err) {
    return {
      ready: false,
      checks: [
        {
          name: 'readiness-probe',
          ready: false,
          detail: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known)
      return send(
        res,
        head,
        404,
        JSON_TYPE,
        JSON.stringify({ error: `no such path '${path}'; expected /metrics, /healthz or /readyz` }),
      );
    if (method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      return send(
        res,
        false,
        405,
        JSON_TYPE,
        JSON.stringify({ error: `method ${method} not allowed on ${path}; expected GET or HEAD` }),
      );
    }
    if (path === '/healthz') return send(res, head, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }));
    if (path === '/metrics') return send(res, head, 200, options.metrics.contentType, await options.metrics.render());
    const report = await probeWithDeadline(options.health.readiness, readinessTimeoutMs);
    const notReady = report.checks.filter((c) => !c.ready);
    const ready = report.ready && notReady.length === 0;
    const body = ready
      ? { status: 'ready', checks: report.checks }
      : {
          status: 'not ready',
          notReady:
            notReady.length > 0
              ? notReady.map((c) => ({ name: c.name, detail: c.detail ?? 'not ready' }))
              : [{ name: 'readiness', detail: 'probe reported not ready' }],
          checks: report.checks,
        };
    return send(res, head, ready ? 200 : 503, JSON_TYPE, JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err, req.url ?? '');
      if (!res.headersSent)
        send(res, false, 500, JSON_TYPE, JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(
        new InfraError('SHIFTSTREAM_INFRA', `http: cannot listen on ${host}:${options.port}: ${err.message}`, {
          cause: err,
          details: { host, port: options.port },
        }),
      );
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    host: address.address,
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      }),
  };
}
