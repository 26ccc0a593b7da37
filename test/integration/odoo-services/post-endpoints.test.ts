// `shiftstream post` serves /healthz, /readyz and /metrics while it runs (compiled CLI in a child
// process, real Kafka and Redis, the Odoo stand-in on JSON-2). One protocol is enough here: the
// endpoints do not depend on it, and post.test.ts runs the posting itself on both.
//
// Every wait is bounded and a failure shows the poster's own log: an HTTP request has a 5 s
// deadline (a request to a hung handler fails instead of hanging the test), the port is the one
// the process reports it bound (port 0: no race for a "free" port), and the exit after SIGINT has
// a deadline after which the test fails with the log tail.
import { describe, expect, it } from 'vitest';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { randomShift } from '../../unit/io/odoo/summary-fixtures.js';
import { eventually } from '../support/env.js';
import { cleanRedis, newPlant, odooEnv, runCli, suiteContext, type CliRun } from './support.js';

const suite = suiteContext();

async function get(port: number, path: string): Promise<{ status: number; text: string } | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: r.status, text: await r.text() };
  } catch {
    return undefined;
  }
}

/** The port from the process's "metrics and health endpoints up" log line (pino JSON). */
function reportedPort(run: CliRun): number | undefined {
  for (const line of `${run.stdout()}\n${run.stderr()}`.split('\n')) {
    if (!line.includes('metrics and health endpoints up')) continue;
    const port = (JSON.parse(line) as { port?: unknown }).port;
    if (typeof port === 'number') return port;
  }
  return undefined;
}

async function exitWithin(run: CliRun, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([run.exit, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('post: operational endpoints', () => {
  it(
    'serves /healthz, /readyz (odoo, kafka, consumer) ' + 'and /metrics with the posted records while it runs',
    async () => {
      const plant = await newPlant(2);
      const standin = await startOdooStandin({ version: 19, workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }] });
      await suite.kafka.createTopics([plant.topics.summaries], 1);
      const poster = runCli(suite.driver, ['post', '--topology', plant.topologyFile, '--batch-period', '200ms'], {
        ...odooEnv(standin, standin.url, plant),
        SHIFTSTREAM_LOG__LEVEL: 'info',
        SHIFTSTREAM_HTTP__PORT: '0',
      });
      const log = (): string =>
        `\n--- poster log (tail) ---\n${poster.stderr().slice(-3000)}${poster.stdout().slice(-1000)}`;
      try {
        const port = await eventually('post reporting its HTTP port', 90_000, () => reportedPort(poster)).catch(
          (err: unknown) => {
            throw new Error(`${(err as Error).message}${log()}`);
          },
        );
        expect((await get(port, '/healthz'))?.status).toBe(200);

        let lastReadyz = '';
        const ready = await eventually('post /readyz answering 200', 90_000, async () => {
          const r = await get(port, '/readyz');
          if (r === undefined) return undefined;
          lastReadyz = r.text;
          return r.status === 200 ? (JSON.parse(r.text) as { checks: { name: string; ready: boolean }[] }) : undefined;
        }).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}; last /readyz: ${lastReadyz}${log()}`);
        });
        expect(ready.checks.map((c) => [c.name, c.ready])).toEqual([
          ['odoo', true],
          ['kafka', true],
          ['consumer', true],
        ]);

        // One shift of one work center: its productivity records reach Odoo and the counter.
        const summary = { ...randomShift('wc-1', 0, 0, 7, 1), plantId: plant.plantId };
        await suite.kafka.produceSummaries(plant.topics.summaries, [summary]);
        const posted = await eventually('metrics counting the posted records', 90_000, async () => {
          const m = await get(port, '/metrics');
          const line = m?.text
            .split('\n')
            .find((l) => l.startsWith('shiftstream_odoo_records_total') && l.includes('outcome="posted"'));
          return line === undefined ? undefined : { line, text: m!.text };
        }).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}${log()}`);
        });
        expect(posted.line).toContain(`plantId="${plant.plantId}"`);
        const count = Number(posted.line.split(' ').at(-1));
        const inOdoo = standin.records('mrp.workcenter.productivity').length;
        expect(inOdoo).toBeGreaterThan(0);
        expect(count).toBeGreaterThan(0);
        expect(count).toBeLessThanOrEqual(inOdoo);

        poster.child.kill('SIGINT');
        const code = await exitWithin(poster, 60_000);
        expect(code, `exit after SIGINT${log()}`).toBe(130);
      } finally {
        if (poster.child.exitCode === null && poster.child.signalCode === null) {
          poster.child.kill('SIGKILL');
          await exitWithin(poster, 10_000);
        }
        await standin.stop();
        await cleanRedis(plant);
      }
    },
    300_000,
  );
});
