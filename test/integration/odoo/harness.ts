// Wiring for the Odoo integration tests: a stand-in, a client for a protocol, a Redis ledger with a
// unique prefix (removed afterwards), master data and a productivity writer.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { WindowSummary } from '../../../src/core/types.js';
import type { BatchPolicy } from '../../../src/io/odoo/batch-policy.js';
import type { OdooClient, ProtocolChoice } from '../../../src/io/odoo/client.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { createMasterData, masterDataRequestOf } from '../../../src/io/odoo/master-data.js';
import type { ProductivityRecord } from '../../../src/io/odoo/productivity-records.js';
import { parseMarkers, summaryToRecords } from '../../../src/io/odoo/productivity-records.js';
import type { ProductivityWriter } from '../../../src/io/odoo/productivity-writer.js';
import { createProductivityWriter } from '../../../src/io/odoo/productivity-writer.js';
import { createRedisLedger } from '../../../src/io/odoo/redis-ledger.js';
import type { OdooStandin, StandinVersion } from '../../../src/testkit/odoo-standin/index.js';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import { MAPPING } from '../../unit/io/odoo/summary-fixtures.js';

export const REDIS_URL = process.env['SHIFTSTREAM_REDIS__URL'] ?? 'redis://127.0.0.1:6379';

export interface ProtocolCase {
  readonly name: string;
  readonly version: StandinVersion;
  readonly protocol: ProtocolChoice;
}

/** The same suites run over both wire protocols (and auto-detection). */
export const PROTOCOL_CASES: readonly ProtocolCase[] = [
  { name: 'JSON-2 (Odoo 19, auto)', version: 19, protocol: 'auto' },
  { name: 'JSON-RPC (Odoo 17, auto)', version: 17, protocol: 'auto' },
];

export const workCenterCodes = (n: number): Map<string, string> =>
  new Map(Array.from({ length: n }, (_, i) => [`wc-${i + 1}`, `WC-${String(i + 1).padStart(2, '0')}`]));

export interface Harness {
  readonly standin: OdooStandin;
  readonly client: OdooClient;
  readonly redis: Redis;
  readonly prefix: string;
  readonly writer: ProductivityWriter;
  newWriter(overrides?: { policy?: BatchPolicy; prefix?: string }): ProductivityWriter;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly workCenters?: number;
  readonly latencyMs?: number;
  readonly policy?: BatchPolicy;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

export async function startHarness(pc: ProtocolCase, opts: HarnessOptions = {}): Promise<Harness> {
  const codes = workCenterCodes(opts.workCenters ?? 5);
  const standin = await startOdooStandin({
    version: pc.version,
    workCenters: [...codes.values()].map((code) => ({ code })),
    ...(opts.latencyMs === undefined ? {} : { latencyMs: opts.latencyMs }),
  });
  const client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: pc.protocol,
    timeoutMs: opts.timeoutMs ?? 400,
    readRetry: { initialMs: 2, maxMs: 20, multiplier: 2, maxAttempts: 4 },
  });
  const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const prefixes: string[] = [];
  const masterData = createMasterData({ client, refreshMs: 60_000, nowMs: Date.now });
  const request = masterDataRequestOf(
    [...codes].map(([workCenterId, odooCode]) => ({ workCenterId, odooCode })),
    MAPPING.losses,
  );
  const policy: BatchPolicy = opts.policy ?? {
    count: 200,
    periodMs: 1_000,
    ceiling: { count: 500, bytes: 8 * 1024 * 1024 },
  };

  function newWriter(overrides: { policy?: BatchPolicy; prefix?: string } = {}): ProductivityWriter {
    const prefix = overrides.prefix ?? `test:odoo:${randomBytes(6).toString('hex')}:`;
    prefixes.push(prefix);
    return createProductivityWriter({
      client,
      ledger: createRedisLedger({ redis, prefix, retentionMs: 3_600_000 }),
      mapping: MAPPING,
      targets: () => masterData.resolve(request),
      policy: overrides.policy ?? policy,
      retry: { initialMs: 2, maxMs: 20, multiplier: 2, maxAttempts: opts.maxAttempts ?? 6 },
      nowMs: Date.now,
    });
  }
  const writer = newWriter();
  return {
    standin,
    client,
    redis,
    prefix: prefixes[0] as string,
    writer,
    newWriter,
    async close() {
      for (const prefix of prefixes) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      }
      redis.disconnect();
      client.close();
      await standin.stop();
    },
  };
}

/** The records the summaries must produce, by key (mapped with the stand-in's ids). */
export async function expectedRecords(
  h: Harness,
  summaries: readonly WindowSummary[],
): Promise<Map<string, ProductivityRecord>> {
  const codes = new Map<string, string>();
  for (const row of h.standin.records('mrp.workcenter')) codes.set(row['code'] as string, String(row['id']));
  const wcs = h.standin.records('mrp.workcenter');
  const losses = h.standin.records('ir.model.data').filter((r) => r['model'] === 'mrp.workcenter.productivity.loss');
  const lossByName = h.standin.records('mrp.workcenter.productivity.loss');
  const targets = {
    workCenters: new Map(
      wcs.map((r) => [
        `wc-${Number(String(r['code']).slice(3))}`,
        { odooId: r['id'] as number, companyId: r['company_id'] as number },
      ]),
    ),
    losses: new Map<string, number>([
      ...losses.map((r) => [`mrp.${String(r['name'])}`, r['res_id'] as number] as [string, number]),
      ...lossByName.map((r) => [String(r['name']), r['id'] as number] as [string, number]),
    ]),
  };
  const out = new Map<string, ProductivityRecord>();
  for (const s of summaries) for (const r of summaryToRecords(s, MAPPING, targets).records) out.set(r.key, r);
  return out;
}

/** Odoo's productivity rows that carry our marker, by key; fails on duplicates. */
export function postedByKey(h: Harness): {
  byKey: Map<string, Record<string, unknown>>;
  duplicates: string[];
  foreign: number;
} {
  const byKey = new Map<string, Record<string, unknown>>();
  const duplicates: string[] = [];
  let foreign = 0;
  for (const row of h.standin.records('mrp.workcenter.productivity')) {
    const m = parseMarkers(row['description']);
    if (m === null) {
      foreign += 1;
      continue;
    }
    if (byKey.has(m.key)) duplicates.push(m.key);
    byKey.set(m.key, row);
  }
  return { byKey, duplicates, foreign };
}

/** Asserts Odoo holds exactly `expected` (same keys, same vals), no duplicates. Returns a diff list. */
export function diffAgainst(h: Harness, expected: ReadonlyMap<string, ProductivityRecord>): string[] {
  const { byKey, duplicates } = postedByKey(h);
  const problems = duplicates.map((k) => `duplicate ${k}`);
  for (const [k, r] of expected) {
    const row = byKey.get(k);
    if (row === undefined) {
      problems.push(`missing ${k} (${r.lossKey} ${r.vals.date_start})`);
      continue;
    }
    for (const [f, v] of Object.entries(r.vals))
      if (row[f] !== v) problems.push(`${k}.${f}: expected ${JSON.stringify(v)}, found ${JSON.stringify(row[f])}`);
  }
  for (const k of byKey.keys()) if (!expected.has(k)) problems.push(`unexpected ${k}`);
  return problems;
}

/** Posts like a consumer would: on rejection (retries exhausted) re-deliver everything not yet confirmed. */
export async function postUntilDone(
  writer: ProductivityWriter,
  summaries: readonly WindowSummary[],
  maxRounds = 20,
): Promise<{ rounds: number; failures: number }> {
  let failures = 0;
  for (let round = 1; round <= maxRounds; round += 1) {
    try {
      const r1 = await writer.post(summaries);
      const r2 = await writer.flush();
      failures += r1.failures.length + r2.failures.length;
      return { rounds: round, failures };
    } catch {
      // not confirmed: deliver again
    }
  }
  throw new Error(`postUntilDone: not confirmed after ${maxRounds} rounds`);
}
