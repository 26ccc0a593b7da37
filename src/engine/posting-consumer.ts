// The Kafka side of every posting kind (shift summaries, milestones, ...): consume, hand items to
// its ItemPoster (ports/posting.ts), and commit offsets only past items that are confirmed. Order
// per confirmed item: Odoo confirmed (or the item was refused for good) -> dead letter + audit produced (acks=all) ->
// offsets committed. A crash anywhere re-delivers from the last commit; the posters' ledgers make
// re-delivery safe.
//
// Odoo down. When a post rejects (the writer's retries ran out, or the circuit breaker is open)
// the poster's buffer is gone and nothing pending is confirmed. The consumer then holds its lock
// and re-posts every unconfirmed item with capped exponential backoff and jitter until Odoo takes
// them again. While the lock is held, `onBatch` does not resolve, so the source stops fetching
// (backpressure): no record is skipped, nothing is committed, and consumption resumes by itself.
// Errors that are not retryable (bad credentials, master data missing in Odoo, a bug) stop the
// consumer: `run()` rejects and the process exits non-zero without committing.
import { backoffDelayMs, type BackoffPolicy } from '../core/backoff.js';
import { OdooError, isRetryable } from '../errors.js';
import type { AuditRecord, ErrorInfo, SourceRef } from '../ports/dead-letters.js';
import type { EventSink, SinkRecord } from '../ports/event-sink.js';
import type { EventSource, SourceBatch, TopicPartition } from '../ports/event-source.js';
import { tpKey } from '../ports/event-source.js';
import type { Log } from '../ports/log.js';
import type { ItemPoster, Round } from '../ports/posting.js';
import { OffsetTracker } from './offset-tracker.js';
import { auditSinkRecord, deadLetterRecord, errorInfo } from './posting-records.js';

export interface PostingConsumerOptions<T> {
  readonly source: EventSource;
  readonly sink: EventSink;
  readonly poster: ItemPoster<T>;
  readonly deadLetterTopic: string;
  readonly auditTopic: string;
  readonly nowMs: () => number;
  readonly log: Log;
  /** How often flushIfDue runs (the batch period trigger). */
  readonly flushIntervalMs: number;
  /** Backoff between re-post rounds while Odoo is down (maxAttempts is ignored: it retries until stopped). */
  readonly recovery: BackoffPolicy;
  readonly random?: () => number;
  /** Plant of unreadable records (they have no plant of their own). */
  readonly plantId: string;
}

export interface PostingStats {
  received: number;
  confirmed: number;
  deadLettered: number;
  recoveryRounds: number;
  commits: number;
}

export interface PostingConsumer {
  /** Consumes until stop(); rejects on a fatal error. */
  run(): Promise<void>;
  stop(): Promise<void>;
  readonly stats: Readonly<PostingStats>;
  /** Items handed to the poster and not yet confirmed. */
  unconfirmed(): number;
}

interface Meta {
  readonly tp: TopicPartition;
  readonly offset: string;
  attempts: number;
}

export function createPostingConsumer<T extends object>(options: PostingConsumerOptions<T>): PostingConsumer {
  const { source, sink, poster, log } = options;
  const tracker = new OffsetTracker();
  const meta = new Map<T, Meta>();
  const stats: PostingStats = { received: 0, confirmed: 0, deadLettered: 0, recoveryRounds: 0, commits: 0 };
  const random = options.random ?? Math.random;
  let lock: Promise<unknown> = Promise.resolve();
  let busy = false;
  let needsRepost = false;
  let stopping = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let fatal: ((err: unknown) => void) | undefined;
  const REPOST = new OdooError(
    'SHIFTSTREAM_ODOO_NETWORK',
    'odoo posting: an earlier round failed; re-posting every unconfirmed item',
  );

  function locked<R>(fn: () => Promise<R>): Promise<R> {
    const next = lock.then(async () => {
      busy = true;
      try {
        return await fn();
      } finally {
        busy = false;
      }
    });
    lock = next.catch(() => undefined);
    return next;
  }

  function sourceRef(m: Meta | undefined): SourceRef | null {
    return m === undefined ? null : { topic: m.tp.topic, partition: m.tp.partition, offset: m.offset };
  }

  function audit(item: T, fields: Pick<AuditRecord, 'event' | 'status'> & Partial<AuditRecord>): SinkRecord {
    const id = poster.identify(item);
    const m = meta.get(item);
    const rec: AuditRecord = {
      version: 1,
      atMs: options.nowMs(),
      service: poster.service,
      ...id,
      attempt: m?.attempts ?? 0,
      odooModel: null,
      odooIds: [],
      created: 0,
      unlinkedIds: [],
      error: null,
      source: sourceRef(m),
      ...fields,
    };
    return auditSinkRecord(options.auditTopic, rec);
  }

  function confirm(item: T): void {
    const m = meta.get(item);
    if (m === undefined) return; // its partition was revoked meanwhile
    meta.delete(item);
    tracker.markDone(m.tp, m.offset);
    stats.confirmed += 1;
  }

  /** Produces the round's audit and dead letters, then marks its items confirmed. */
  async function settle(round: Round<T>): Promise<void> {
    if (round.confirmed.length === 0 && round.refused.length === 0) return;
    const out: SinkRecord[] = [];
    for (const c of round.confirmed) {
      const extra = poster.outputs?.(c);
      if (extra !== undefined) out.push(...extra);
      out.push(
        audit(c.item, {
          event: 'posted',
          status: c.status,
          odooModel: c.odooModel,
          odooIds: c.odooIds,
          created: c.created,
          unlinkedIds: c.unlinkedIds,
        }),
      );
    }
    for (const r of round.refused) {
      const info = errorInfo(r.error);
      const m = meta.get(r.item);
      out.push(
        deadLetterRecord(options.deadLetterTopic, {
          version: 1,
          service: poster.service,
          ...poster.identify(r.item),
          attempts: m?.attempts ?? 1,
          failedAtMs: options.nowMs(),
          error: info,
          ...poster.payload(r.item),
          payloadBase64: null,
          source: sourceRef(m),
        }),
      );
      out.push(audit(r.item, { event: 'failed', status: 'dead-lettered', error: info }));
      log.warn(
        { service: poster.service, ...poster.identify(r.item), code: info.code, odooName: info.odooName },
        'odoo refused an item; dead-lettered',
      );
    }
    await sink.send(out);
    stats.deadLettered += round.refused.length;
    for (const c of round.confirmed) confirm(c.item);
    for (const r of round.refused) confirm(r.item);
  }

  async function commitReady(): Promise<void> {
    const points = tracker.ready();
    if (points.length === 0) return;
    try {
      await source.commit(points);
      stats.commits += 1;
    } catch (err) {
      // A failed commit (e.g. during a rebalance) only means re-delivery, which the ledger makes safe.
      log.warn(
        { err, points: points.map((p) => `${tpKey(p)}@${p.offset}`) },
        'offset commit failed; records will be re-delivered',
      );
    }
  }

  function sleep(ms: number): Promise<void> {
    if (stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  function unconfirmedItems(): T[] {
    return [...meta.keys()];
  }

  function count(items: readonly T[]): void {
    for (const item of items) {
      const m = meta.get(item);
      if (m !== undefined) m.attempts += 1;
    }
  }

  /** Re-posts every unconfirmed item until Odoo confirms them (lock held by the caller). */
  async function recover(first: unknown): Promise<void> {
    let err = first;
    for (let round = 0; !stopping; round += 1) {
      if (!isRetryable(err)) throw err;
      const items = unconfirmedItems();
      const info: ErrorInfo = errorInfo(err);
      if (round === 0 || round % 10 === 0)
        log.warn(
          { service: poster.service, unconfirmed: items.length, round, code: info.code, err },
          'odoo unavailable; consumption paused, re-posting with backoff',
        );
      await sink.send(items.map((item) => audit(item, { event: 'failed', status: 'retrying', error: info })));
      stats.recoveryRounds += 1;
      await sleep(backoffDelayMs(round, options.recovery, random) + Math.min(options.recovery.initialMs, 50));
      if (stopping) return;
      try {
        const again = unconfirmedItems();
        count(again);
        await settle(await poster.post(again));
        await settle(await poster.flush());
        needsRepost = false;
        log.info({ service: poster.service, rounds: round + 1 }, 'odoo available again; consumption resumed');
        return;
      } catch (e) {
        err = e;
      }
    }
  }

  /** Runs `fn` (lock held); on a retryable failure re-posts everything unconfirmed until Odoo is back. */
  async function guarded(fn: () => Promise<void>): Promise<void> {
    try {
      // The poster's buffer was dropped earlier: re-post every unconfirmed item (new ones included).
      if (needsRepost) await recover(REPOST);
      else await fn();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (stopping) return;
      needsRepost = true;
      await recover(err);
    }
  }

  async function onBatch(batch: SourceBatch): Promise<void> {
    await poster.prepare(batch.records);
    const items: T[] = [];
    const bad: SinkRecord[] = [];
    const badOffsets: string[] = [];
    for (const r of batch.records) {
      tracker.add(batch, r.offset);
      const d = poster.decode(r);
      if (d.kind === 'skip') {
        tracker.markDone(batch, r.offset);
        continue;
      }
      if (d.kind === 'bad') {
        const info: ErrorInfo = {
          code: 'SHIFTSTREAM_INPUT_INVALID',
          message: `${batch.topic}[${batch.partition}]@${r.offset}: ${d.problem}`,
          retryable: false,
          odooName: null,
          odooMessage: null,
        };
        bad.push(
          deadLetterRecord(options.deadLetterTopic, {
            version: 1,
            service: poster.service,
            plantId: options.plantId,
            workCenterId: '',
            key: `${batch.topic}/${batch.partition}/${r.offset}`,
            subject: 'unreadable record',
            attempts: 0,
            failedAtMs: options.nowMs(),
            error: info,
            summary: null,
            milestone: null,
            payload: null,
            payloadBase64: r.value?.toString('base64') ?? null,
            source: { topic: batch.topic, partition: batch.partition, offset: r.offset },
          }),
        );
        badOffsets.push(r.offset);
        continue;
      }
      if (meta.has(d.item)) continue;
      meta.set(d.item, { tp: { topic: batch.topic, partition: batch.partition }, offset: r.offset, attempts: 0 });
      items.push(d.item);
    }
    stats.received += items.length;
    const received = items.map((item) => audit(item, { event: 'received', status: 'received' }));
    if (received.length + bad.length > 0) await sink.send([...bad, ...received]);
    for (const o of badOffsets) tracker.markDone(batch, o);
    stats.deadLettered += bad.length;
    await locked(() =>
      guarded(async () => {
        count(items);
        await settle(await poster.post(items));
      }),
    );
    await commitReady();
  }

  async function tick(): Promise<void> {
    if (busy || stopping) return;
    await locked(() => guarded(async () => settle(await poster.flushIfDue())));
    await commitReady();
  }

  async function onRevoke(tps: readonly TopicPartition[]): Promise<void> {
    await locked(async () => {
      try {
        if (!needsRepost) await settle(await poster.flush());
      } catch (err) {
        if (!isRetryable(err)) throw err;
        needsRepost = true; // the buffer is gone: re-post what we still hold on the next tick
        log.warn({ err, partitions: tps.map(tpKey) }, 'flush before revoke failed; the new owner re-delivers');
      }
    });
    await commitReady();
    const gone = new Set(tps.map(tpKey));
    for (const [item, m] of meta) if (gone.has(tpKey(m.tp))) meta.delete(item);
    tracker.forget(tps);
  }

  return {
    stats,
    unconfirmed: () => meta.size,
    async run() {
      // Stopped before it started (a signal during start-up): nothing to consume.
      if (stopping) return;
      const failed = new Promise<never>((_, reject) => {
        fatal = reject;
      });
      failed.catch(() => undefined);
      timer = setInterval(() => {
        tick().catch((err: unknown) => {
          log.error({ err }, 'odoo poster failed');
          fatal?.(err);
          void source.stop();
        });
      }, options.flushIntervalMs);
      try {
        await Promise.race([source.run({ onBatch, onAssign: async () => new Map(), onRevoke }), failed]);
      } finally {
        clearInterval(timer);
      }
    },
    async stop() {
      stopping = true;
      wake?.();
      await source.stop();
      clearInterval(timer);
    },
  };
}
