import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadiness, startHttpServer, type HttpServer, type ReadinessProbe } from '../../../src/http/index.js';
import { createPromMetrics } from '../../../src/metrics/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(server: HttpServer, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(
  readiness: ReadinessProbe,
  metrics = createPromMetrics({ processMetrics: false }),
): Promise<HttpServer> {
  const s = await startHttpServer({ port: 0, host: '127.0.0.1', metrics, health: { readiness } });
  servers.push(s);
  return s;
}

describe('startHttpServer', () => {
  it('listens on a free port when given port 0', async () => {
    const s = await start(() => ({ ready: true, checks: [] }));
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('serves /metrics as Prometheus text with the recorded values', async () => {
    const metrics = createPromMetrics({ processMetrics: false, defaultLabels: { plantId: 'p1' } });
    metrics.inc('shiftstream_late_samples_total', { bucket: 'under_15m', amended: 'true' }, 2);
    const s = await start(() => ({ ready: true, checks: [] }), metrics);
    const r = await call(s, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toContain('shiftstream_late_samples_total{bucket="under_15m",amended="true",plantId="p1"} 2');
    metrics.inc('shiftstream_late_samples_total', { bucket: 'under_15m', amended: 'true' });
    expect((await call(s, '/metrics')).body).toContain(
      'shiftstream_late_samples_total{bucket="under_15m",amended="true",plantId="p1"} 3',
    );
  });

  it('answers /healthz with 200 even when not ready', async () => {
    const s = await start(() => ({ ready: false, checks: [{ name: 'kafka', ready: false }] }));
    const r = await call(s, '/healthz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 503 naming what is not ready, then 200 once everything is', async () => {
    const readiness = createReadiness(['kafka', 'redis', 'registry']);
    const s = await start(readiness.probe);
    let r = await call(s, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({
      status: 'not ready',
      notReady: [
        { name: 'kafka', detail: 'not reported yet' },
        { name: 'redis', detail: 'not reported yet' },
        { name: 'registry', detail: 'not reported yet' },
      ],
    });
    readiness.ready('kafka', '6 partitions assigned');
    readiness.ready('registry');
    readiness.notReady('redis', 'restoring partition 3');
    r = await call(s, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).notReady).toEqual([{ name: 'redis', detail: 'restoring partition 3' }]);
    readiness.ready('redis');
    r = await call(s, '/readyz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'kafka', ready: true, detail: '6 partitions assigned' },
        { name: 'redis' },
        { name: 'registry' },
      ],
    });
    readiness.notReady('kafka', 'rebalancing');
    expect((await call(s, '/readyz')).status).toBe(503);
  });

  it('treats a throwing, rejecting or hanging probe as not ready', async () => {
    const throwing = await start(() => {
      throw new Error('state store unreachable');
    });
    let r = await call(throwing, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toContain('probe failed: state store unreachable');

    const rejecting = await start(() => Promise.reject(new Error('nope')));
    expect((await call(rejecting, '/readyz')).status).toBe(503);

    const hanging = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createPromMetrics({ processMetrics: false }),
      health: { readiness: () => new Promise(() => {}) },
      readinessTimeoutMs: 50,
    });
    servers.push(hanging);
    r = await call(hanging, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toContain('probe did not answer within 50 ms');
  });

  it('a probe saying ready: false without failed checks is still 503', async () => {
    const s = await start(async () => ({ ready: false, checks: [] }));
    const r = await call(s, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).notReady).toEqual([{ name: 'readiness', detail: 'probe reported not ready' }]);
  });

  it('answers HEAD without a body, 404 for unknown paths and 405 for other methods', async () => {
    const s = await start(() => ({ ready: true, checks: [] }));
    const head = await call(s, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const missing = await call(s, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("no such path '/nope'");
    const post = await call(s, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    expect((await call(s, '/readyz?verbose=1')).status).toBe(200);
  });

  it('returns 500 and reports the error when rendering metrics fails', async () => {
    const errors: string[] = [];
    const s = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: { contentType: 'text/plain', render: () => Promise.reject(new Error('collector broke')) },
      health: { readiness: () => ({ ready: true, checks: [] }) },
      onError: (err, path) => errors.push(`${path}: ${(err as Error).message}`),
    });
    servers.push(s);
    const r = await call(s, '/metrics');
    expect(r.status).toBe(500);
    expect(errors).toEqual(['/metrics: collector broke']);
  });

  it('fails to start with a clear error when the port is taken, and close() frees the port', async () => {
    const a = await start(() => ({ ready: true, checks: [] }));
    await expect(
      startHttpServer({
        port: a.port,
        host: '127.0.0.1',
        metrics: createPromMetrics({ processMetrics: false }),
        health: { readiness: () => ({ ready: true, checks: [] }) },
      }),
    ).rejects.toThrow(`http: cannot listen on 127.0.0.1:${a.port}: listen EADDRINUSE`);
    const port = a.port;
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    await expect(call(a, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const b = await startHttpServer({
      port,
      host: '127.0.0.1',
      metrics: createPromMetrics({ processMetrics: false }),
      health: { readiness: () => ({ ready: true, checks: [] }) },
    });
    servers.push(b);
    expect(b.port).toBe(port);
  });
});
