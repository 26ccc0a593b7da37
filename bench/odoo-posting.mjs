// Odoo posting: shift summaries of a synthetic plant (a simulated week through the real core) posted
// by the productivity writer (batched create, Redis ledger) to the Odoo stand-in with a fixed
// latency per call (20 ms: a remote Odoo). Reports records/s and calls per 1,000 records, for the
// `post` command's default batch (500 records per create call) and for one record per call (the
// trap of performance.md) on a slice, in the same run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { infraEnv, ROOT } from './lib/kafka.mjs';
import { WORK_DIR } from './lib/data.mjs';
import { writeSyntheticTopology, runTopics } from './lib/topology.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

/**
 * @param {{ machines?: number, days?: number, latencyMs?: number, batchCounts?: number[], log?: (s: string) => void }}
 * o
 */
export async function odooPosting(o = {}) {
  const machines = o.machines ?? 20;
  const days = o.days ?? 7;
  const latencyMs = o.latencyMs ?? 20;
  const { loadTopology } = await dist('topology/index.js');
  const { mapSample } = await dist('core/mapping.js');
  const { WindowedProcessor } = await dist('core/processor.js');
  const { createPlantSimulator } = await dist('sim/index.js');
  const { startOdooStandin } = await dist('testkit/odoo-standin/index.js');
  const { createOdooClient } = await dist('io/odoo/client.js');
  const { createMasterData, masterDataRequestOf } = await dist('io/odoo/master-data.js');
  const { createProductivityWriter } = await dist('io/odoo/productivity-writer.js');
  const { createRedisLedger } = await dist('io/odoo/redis-ledger.js');

  const file = writeSyntheticTopology({
    file: join(WORK_DIR, `topology-odoo-${machines}.yaml`),
    machines,
    plantId: `bench-odoo-${machines}`,
    topics: runTopics('bench.odoo.raw', 'bench.odoo'),
    windows: [],
  });
  // The generator writes tumbling windows only; a shift window is what Odoo receives.
  const { readFileSync, writeFileSync } = await import('node:fs');
  writeFileSync(file, readFileSync(file, 'utf8').replace('windows:\n', 'windows:\n  - { kind: shift }\n'));
  const topology = loadTopology(file);
  const plan = topology.plant;
  const startMs = Date.UTC(2026, 2, 2);
  const sim = createPlantSimulator(plan, { seed: 11, startMs, outOfOrderShare: 0, lateShare: 0, badShare: 0 });
  const processor = new WindowedProcessor(plan);
  const summaries = [];
  const endMs = startMs + days * 86_400_000;
  for (let t = startMs + 3_600_000; t <= endMs + 3_600_000; t += 3_600_000) {
    const events = [];
    for (const s of sim.next(t)) {
      const v = mapSample(plan, s);
      if (v.ok) events.push(v.event);
    }
    for (const s of processor.ingest(events).summaries) if (s.final !== false) summaries.push(s);
  }
  const codes = [...plan.workCenters.values()].map((wc) => ({ workCenterId: wc.workCenterId, odooCode: wc.odooCode }));
  const redis = new Redis(infraEnv().SHIFTSTREAM_REDIS__URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const results = [];
  try {
    for (const batchCount of o.batchCounts ?? [500, 1]) {
      const standin = await startOdooStandin({
        version: 19,
        workCenters: codes.map((c) => ({ code: c.odooCode })),
        latencyMs,
      });
      const client = createOdooClient({
        url: standin.url,
        db: standin.db,
        login: standin.login,
        apiKey: standin.apiKey,
        protocol: 'auto',
        timeoutMs: 10_000,
        readRetry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 4 },
      });
      const masterData = createMasterData({ client, refreshMs: 600_000, nowMs: Date.now });
      const request = masterDataRequestOf(codes, topology.odoo.losses);
      const prefix = `bench:odoo:${randomBytes(6).toString('hex')}:`;
      const writer = createProductivityWriter({
        client,
        ledger: createRedisLedger({ redis, prefix, retentionMs: 3_600_000 }),
        mapping: topology.odoo,
        targets: () => masterData.resolve(request),
        policy: {
          count: batchCount,
          periodMs: 5_000,
          ceiling: { count: Math.max(batchCount, 2_000), bytes: 16 * 1024 * 1024 },
        },
        retry: { initialMs: 10, maxMs: 200, multiplier: 2, maxAttempts: 6 },
        nowMs: Date.now,
      });
      try {
        // One record per call is slow by design: post a slice of the week so it ends in seconds.
        const input = batchCount === 1 ? summaries.slice(0, Math.ceil(summaries.length / 10)) : summaries;
        await client.authenticate();
        await masterData.resolve(request); // master data resolved and cached before timing
        standin.calls.reset();
        const before = standin.records('mrp.workcenter.productivity').length;
        const t0 = performance.now();
        const r = await writer.post(input);
        const f = await writer.flush();
        const seconds = (performance.now() - t0) / 1000;
        const failures = r.failures.length + f.failures.length;
        const records = standin.records('mrp.workcenter.productivity').length - before;
        const calls = standin.calls.count();
        results.push({
          batchCount,
          latencyMsPerCall: latencyMs,
          summaries: input.length,
          records,
          failures,
          seconds: +seconds.toFixed(2),
          recordsPerSec: Math.round(records / seconds),
          calls,
          callsPer1000Records: +((calls * 1000) / records).toFixed(2),
        });
        o.log?.(`odoo: batch ${batchCount}: ${records} records in ${seconds.toFixed(2)} s, ${calls} calls`);
      } finally {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
        client.close();
        await standin.stop();
      }
    }
  } finally {
    redis.disconnect();
  }
  return { machines, days, shiftSummaries: summaries.length, runs: results };
}
