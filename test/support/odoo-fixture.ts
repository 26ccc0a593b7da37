// Wiring for the posting services' unit tests (engine/ and io/odoo/): the embedded log, local Avro
// codecs, the Odoo stand-in, an in-memory ledger and the real ProductivityWriter. No external servers.
import type { WindowSummary } from '../../src/core/types.js';
import { createLocalCodecs } from '../../src/io/avro/codecs.js';
import { MemoryEventSink, MemoryEventSource, MemoryLog } from '../../src/io/memory/index.js';
import type { BatchPolicy } from '../../src/io/odoo/batch-policy.js';
import { createOdooClient, type OdooClient } from '../../src/io/odoo/client.js';
import { createMemoryLedger } from '../../src/io/odoo/ledger.js';
import { createMasterData, masterDataRequestOf, type ResolvedMasterData } from '../../src/io/odoo/master-data.js';
import { createProductivityWriter, type ProductivityWriter } from '../../src/io/odoo/productivity-writer.js';
import { createMemoryKeyValue } from '../../src/io/memory/memory-key-value.js';
import {
  createLiveDowntime,
  liveDowntimeStoreOn,
  withLiveDowntime,
  type LiveDowntime,
} from '../../src/io/odoo/live-downtime.js';
import { createPostingConsumer, type PostingConsumer } from '../../src/engine/posting-consumer.js';
import { createShiftItemPoster } from '../../src/io/odoo/shift-poster.js';
import { silentLog } from '../../src/ports/log.js';
import { startOdooStandin, type OdooStandin, type StandinVersion } from '../../src/testkit/odoo-standin/index.js';
import { MAPPING, randomShift } from '../unit/io/odoo/summary-fixtures.js';

export const TOPICS = {
  summaries: 'shiftstream.plant-a.shift-summaries',
  dlq: 'shiftstream.plant-a.odoo-dlq',
  audit: 'shiftstream.plant-a.odoo-audit',
} as const;

export const codesFor = (n: number): Map<string, string> =>
  new Map(Array.from({ length: n }, (_, i) => [`wc-${i + 1}`, `WC-${String(i + 1).padStart(2, '0')}`]));

export function week(workCenters: number, days = 7): WindowSummary[] {
  const out: WindowSummary[] = [];
  for (let d = 0; d < days; d += 1)
    for (let s = 0; s < 3; s += 1)
      for (let w = 1; w <= workCenters; w += 1) out.push(randomShift(`wc-${w}`, d, s, w * 1000 + d * 10 + s));
  return out;
}

export interface Fixture {
  readonly standin: OdooStandin;
  readonly client: OdooClient;
  readonly log: MemoryLog;
  readonly codecs: ReturnType<typeof createLocalCodecs>;
  readonly writer: ProductivityWriter;
  /** Services state (milestone ledger, posted spans): shared by the milestone handler and the live clip. */
  readonly kv: ReturnType<typeof createMemoryKeyValue>;
  /** The live-downtime clip; `writer` applies it when started with `live: true`. */
  readonly live: LiveDowntime;
  targets(): Promise<ResolvedMasterData>;
  produce(summaries: readonly WindowSummary[]): Promise<void>;
  consumer(groupId?: string): PostingConsumer;
  json<T>(topic: string): T[];
  close(): Promise<void>;
}

export async function startFixture(
  opts: {
    version?: StandinVersion;
    workCenters?: number;
    policy?: BatchPolicy;
    nowMs?: () => number;
    live?: boolean;
    edition?: 'community' | 'enterprise';
  } = {},
): Promise<Fixture> {
  const codes = codesFor(opts.workCenters ?? 5);
  const standin = await startOdooStandin({
    version: opts.version ?? 19,
    workCenters: [...codes.values()].map((code) => ({ code })),
    ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
    ...(opts.edition === undefined ? {} : { edition: opts.edition }),
  });
  const client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 2_000,
    readRetry: { initialMs: 2, maxMs: 10, multiplier: 2, maxAttempts: 3 },
  });
  const masterData = createMasterData({ client, refreshMs: 60_000, nowMs: Date.now });
  const request = masterDataRequestOf(
    [...codes].map(([workCenterId, odooCode]) => ({ workCenterId, odooCode })),
    MAPPING.losses,
  );
  const targets = (): Promise<ResolvedMasterData> => masterData.resolve(request);
  const retry = { initialMs: 2, maxMs: 10, multiplier: 2, maxAttempts: 3 };
  const raw = createProductivityWriter({
    client,
    ledger: createMemoryLedger(),
    mapping: MAPPING,
    targets,
    policy: opts.policy ?? { count: 100, periodMs: 100, ceiling: { count: 500, bytes: 8 * 1024 * 1024 } },
    retry,
    nowMs: Date.now,
  });
  const kv = createMemoryKeyValue();
  const live = createLiveDowntime({ client, store: liveDowntimeStoreOn(kv), targets, retry });
  const writer = opts.live === true ? withLiveDowntime(raw, live) : raw;
  const log = new MemoryLog({ defaultPartitions: 3 });
  for (const t of Object.values(TOPICS)) log.createTopic(t, 3);
  const codecs = createLocalCodecs();
  const sink = new MemoryEventSink(log);
  return {
    standin,
    client,
    log,
    codecs,
    writer,
    kv,
    live,
    targets,
    produce: (summaries) =>
      sink.send(
        summaries.map((s) => ({
          topic: TOPICS.summaries,
          key: `${s.plantId}/${s.workCenterId}`,
          value: codecs.summary.encode(s),
        })),
      ),
    consumer: (groupId = 'poster') =>
      createPostingConsumer({
        source: new MemoryEventSource(log, { groupId, topics: [TOPICS.summaries], maxBatchRecords: 50 }),
        sink,
        poster: createShiftItemPoster({ writer, codecs }),
        deadLetterTopic: TOPICS.dlq,
        auditTopic: TOPICS.audit,
        nowMs: Date.now,
        log: silentLog,
        flushIntervalMs: 20,
        recovery: { initialMs: 5, maxMs: 40, multiplier: 2, maxAttempts: Number.MAX_SAFE_INTEGER },
        plantId: 'plant-a',
      }),
    json: <T>(topic: string) => log.records(topic).map((r) => JSON.parse((r.value as Buffer).toString('utf8')) as T),
    async close() {
      client.close();
      await standin.stop();
    },
  };
}

/** Committed offsets of `groupId` on the summaries topic equal the end offsets. */
export function fullyCommitted(f: Fixture, groupId = 'poster'): boolean {
  const ends = f.log.endOffsets(TOPICS.summaries);
  const g = f.log.group(groupId);
  return ends.every(
    (end, partition) => end === 0 || g.committed({ topic: TOPICS.summaries, partition }) === String(end),
  );
}

export async function until(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
