// ProductivityWriter for shift results: posts mrp.workcenter.productivity records, batched (one create
// call with a list per batch) and idempotent (Redis ledger + a marker in each record's description).
//
// Per flush:
//  1. read the ledger (one MGET for shifts, one for keys);
//  2. a summary whose shift is already posted at a higher revision is `superseded`; at the same
//     revision and state `posted` it is `already-posted`;
//  3. summaries that need a look at Odoo (a pending key from an earlier attempt, an older revision in
//     the ledger, a `replacing` shift, or revision > 1 unknown to the ledger) get ONE search_read on
//     their shift markers: keys already in Odoo are not created again; records of older revisions
//     are unlinked; a newer revision in Odoo makes the summary `superseded`;
//  4. replacement: the ledger gets `<rev>|replacing` and pending markers, THEN Odoo unlinks the old
//     revision's ids, THEN the new records are created. A crash between the steps leaves either the
//     old records, or neither, or part of the new ones, always with `replacing` in the ledger; the
//     summary is delivered again (offsets are committed only after post() confirms) and step 3 finds
//     what is left to unlink and to create. Odoo may show a gap during that window, never a double.
//  5. create: pending markers are written (and awaited) first; then ONE create call per batch (split
//     only above the ceiling). On a retryable failure (network, timeout, 5xx, serialization) the
//     outcome is unknown, so before every retry the writer searches Odoo for the batch's markers and
//     creates only what is missing. A permanent failure rolls the whole call back in Odoo; the batch
//     is then posted summary by summary to isolate the bad one(s), which are returned as failures.
//  6. the ledger gets key -> id and `<rev>|posted`.
// When retries run out post()/flush() reject and the buffer is dropped: the caller must not commit
// offsets and must re-deliver from its last committed offset (keys already posted are skipped).
import type { WindowSummary } from '../../core/types.js';
import { OdooError, isRetryable } from '../../errors.js';
import type { OdooMappingPlan } from '../../topology/types.js';
import type { BatchPolicy } from './batch-policy.js';
import { createBatchAccumulator } from './batch-policy.js';
import type { OdooClient } from './client.js';
import type { LedgerShift, PostingLedger } from './ledger.js';
import type { ProductivityRecord, ResolvedTargets } from './productivity-records.js';
import {
  PRODUCTIVITY_MODEL,
  parseMarkers,
  shiftKeyFor,
  shiftMarkerPrefix,
  summaryToRecords,
} from './productivity-records.js';
import type { BackoffPolicy } from './retry.js';
import { realSleep, withRetry } from './retry.js';

export type OutcomeStatus = 'posted' | 'already-posted' | 'superseded' | 'skipped-partial';

export interface SummaryOutcome {
  readonly summary: WindowSummary;
  readonly status: OutcomeStatus;
  /** Odoo ids of this revision's records (empty for superseded / skipped). */
  readonly recordIds: readonly number[];
  /** How many of them this call created (the rest were found in Odoo or the ledger). */
  readonly created: number;
  /** Ids of older revisions' records unlinked by this call. */
  readonly unlinkedIds: readonly number[];
}

export interface SummaryFailure {
  readonly summary: WindowSummary;
  readonly error: OdooError;
}

export interface PostResult {
  readonly outcomes: readonly SummaryOutcome[];
  /** Permanent failures (validation, access, master data): route them to the dead-letter topic. */
  readonly failures: readonly SummaryFailure[];
  /** Summaries still buffered (not yet posted; do not commit their offsets). */
  readonly buffered: number;
}

export interface ProductivityWriterOptions {
  readonly client: OdooClient;
  readonly ledger: PostingLedger;
  readonly mapping: OdooMappingPlan;
  /** Resolved master data (e.g. `() => masterData.resolve(request)`, cached there). */
  readonly targets: () => Promise<ResolvedTargets>;
  readonly policy: BatchPolicy;
  readonly retry: BackoffPolicy;
  readonly nowMs: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default true: early (non-final) summaries are not posted. */
  readonly finalOnly?: boolean;
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export interface ProductivityWriter {
  post(summaries: readonly WindowSummary[]): Promise<PostResult>;
  flush(): Promise<PostResult>;
  /** Flushes when the period trigger is due; the caller polls it (e.g. on every consumer loop). */
  flushIfDue(): Promise<PostResult>;
  dueAtMs(): number | null;
}

interface Item {
  readonly summary: WindowSummary;
  readonly shiftKey: string;
  readonly records: readonly ProductivityRecord[];
}

interface Found {
  readonly keys: Map<string, number>;
  readonly oldIds: number[];
  readonly newerRevision: boolean;
}

const FIELDS = ['id', 'description'];

export function createProductivityWriter(options: ProductivityWriterOptions): ProductivityWriter {
  const { client, ledger } = options;
  const acc = createBatchAccumulator<Item>(options.policy);
  const finalOnly = options.finalOnly ?? true;
  const sleep = options.sleep ?? realSleep;
  let chain: Promise<unknown> = Promise.resolve();

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  }

  function retry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: options.retry,
      sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    });
  }

  /** One search_read on the shift markers of `shiftKeys`: what of each shift is already in Odoo. */
  async function lookUp(items: readonly Item[]): Promise<Map<string, Found>> {
    const out = new Map<string, Found>();
    if (items.length === 0) return out;
    const shiftKeys = [...new Set(items.map((i) => i.shiftKey))];
    const domain: unknown[] = [];
    for (let i = 1; i < shiftKeys.length; i += 1) domain.push('|');
    for (const s of shiftKeys) domain.push(['description', 'ilike', shiftMarkerPrefix(s)]);
    // A read: the client retries it with its own read policy.
    const rows = await client.searchRead<{ id: number; description: unknown }>(PRODUCTIVITY_MODEL, domain, FIELDS);
    const revisionOf = new Map(items.map((i) => [i.shiftKey, i.summary.revision]));
    for (const s of shiftKeys) out.set(s, { keys: new Map(), oldIds: [], newerRevision: false });
    for (const row of rows) {
      const m = parseMarkers(row.description);
      if (m === null) continue;
      const found = out.get(m.shiftKey);
      const rev = revisionOf.get(m.shiftKey);
      if (found === undefined || rev === undefined) continue;
      if (m.revision === rev) found.keys.set(m.key, row.id);
      else if (m.revision < rev) found.oldIds.push(row.id);
      else out.set(m.shiftKey, { ...found, newerRevision: true });
    }
    return out;
  }

  /** Creates `records` (ledger already marked pending), searching before each retry. Returns key -> id. */
  async function createAll(
    records: readonly ProductivityRecord[],
    items: readonly Item[],
  ): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const ceiling = options.policy.ceiling.count;
    for (let from = 0; from < records.length; from += ceiling) {
      const chunk = records.slice(from, from + ceiling);
      await retry(async (attempt) => {
        let todo = chunk;
        if (attempt > 1) {
          // The previous attempt's outcome is unknown (lost response, timeout, 5xx): look first.
          const shiftKeys = new Set(chunk.map((r) => r.shiftKey));
          const found = await lookUp(items.filter((i) => shiftKeys.has(i.shiftKey)));
          for (const f of found.values()) for (const [k, id] of f.keys) ids.set(k, id);
          todo = chunk.filter((r) => !ids.has(r.key));
        }
        if (todo.length === 0) return;
        const created = await client.create(
          PRODUCTIVITY_MODEL,
          todo.map((r) => r.vals),
        );
        if (created.length !== todo.length) {
          throw new OdooError(
            'SHIFTSTREAM_ODOO_PROTOCOL',
            `odoo ${PRODUCTIVITY_MODEL}.create: expected ${todo.length} ids, found ${created.length}`,
            { details: { expected: todo.length, found: created.length } },
          );
        }
        todo.forEach((r, i) => ids.set(r.key, created[i] as number));
      });
    }
    return ids;
  }

  async function unlinkAll(oldIds: readonly number[]): Promise<void> {
    if (oldIds.length === 0) return;
    await retry(async (attempt) => {
      // After a failed attempt some ids may already be gone; unlink only what still exists.
      const existing = attempt === 1 ? oldIds : await client.search(PRODUCTIVITY_MODEL, [['id', 'in', [...oldIds]]]);
      if (existing.length > 0) await client.unlink(PRODUCTIVITY_MODEL, existing);
    });
  }

  /** Posts one batch; permanent create failures are isolated per summary. */
  async function postBatch(
    batch: readonly Item[],
    outcomes: SummaryOutcome[],
    failures: SummaryFailure[],
  ): Promise<void> {
    // Within a batch the highest revision of a shift wins.
    const best = new Map<string, Item>();
    for (const item of batch) {
      const cur = best.get(item.shiftKey);
      if (cur === undefined || item.summary.revision > cur.summary.revision) best.set(item.shiftKey, item);
    }
    const live: Item[] = [];
    for (const item of batch) {
      if (best.get(item.shiftKey) === item) live.push(item);
      else if (best.get(item.shiftKey)?.summary.revision === item.summary.revision)
        continue; // exact duplicate: reported with its twin below
      else outcomes.push({ summary: item.summary, status: 'superseded', recordIds: [], created: 0, unlinkedIds: [] });
    }
    const dupes = batch.filter(
      (i) => !live.includes(i) && best.get(i.shiftKey)?.summary.revision === i.summary.revision,
    );

    const shifts = await ledger.getShifts(live.map((i) => i.shiftKey));
    const keys = await ledger.getKeys(live.flatMap((i) => i.records.map((r) => r.key)));
    const toPost: Item[] = [];
    const toCheck: Item[] = [];
    const done = new Map<Item, SummaryOutcome>();
    for (const item of live) {
      const l = shifts.get(item.shiftKey);
      const rev = item.summary.revision;
      if (l !== undefined && l.revision > rev) {
        done.set(item, { summary: item.summary, status: 'superseded', recordIds: [], created: 0, unlinkedIds: [] });
      } else if (
        l !== undefined &&
        l.revision === rev &&
        l.state === 'posted' &&
        item.records.every((r) => typeof keys.get(r.key) === 'number')
      ) {
        done.set(item, {
          summary: item.summary,
          status: 'already-posted',
          recordIds: item.records.map((r) => keys.get(r.key) as number),
          created: 0,
          unlinkedIds: [],
        });
      } else {
        toPost.push(item);
        if (l !== undefined || rev > 1 || item.records.some((r) => keys.get(r.key) === 'pending')) toCheck.push(item);
      }
    }

    const found = await lookUp(toCheck);
    const existing = new Map<string, number>();
    for (const [k, v] of keys) if (typeof v === 'number') existing.set(k, v);
    const unlinkBy = new Map<Item, number[]>();
    const posting: Item[] = [];
    for (const item of toPost) {
      const f = found.get(item.shiftKey);
      if (f?.newerRevision === true) {
        done.set(item, { summary: item.summary, status: 'superseded', recordIds: [], created: 0, unlinkedIds: [] });
        continue;
      }
      if (f !== undefined) {
        for (const [k, id] of f.keys) existing.set(k, id);
        if (f.oldIds.length > 0) unlinkBy.set(item, f.oldIds);
      }
      posting.push(item);
    }

    const pendingKeys = posting.flatMap((i) => i.records.filter((r) => !existing.has(r.key)).map((r) => r.key));
    const replacing = new Map<string, LedgerShift>();
    for (const item of unlinkBy.keys())
      replacing.set(item.shiftKey, { revision: item.summary.revision, state: 'replacing' });
    await ledger.markPending(pendingKeys, replacing);
    const oldIds = [...unlinkBy.values()].flat();
    await unlinkAll(oldIds);

    const createOne = async (group: readonly Item[]): Promise<void> => {
      const records = group.flatMap((i) => i.records.filter((r) => !existing.has(r.key)));
      const ids = await createAll(records, group);
      for (const [k, id] of ids) existing.set(k, id);
      const posted = new Map<string, number>();
      const shiftStates = new Map<string, LedgerShift>();
      for (const item of group) {
        for (const r of item.records) posted.set(r.key, existing.get(r.key) as number);
        shiftStates.set(item.shiftKey, { revision: item.summary.revision, state: 'posted' });
      }
      await ledger.markPosted(posted, shiftStates);
      for (const item of group) {
        done.set(item, {
          summary: item.summary,
          status: 'posted',
          recordIds: item.records.map((r) => existing.get(r.key) as number),
          created: item.records.filter((r) => ids.has(r.key)).length,
          unlinkedIds: unlinkBy.get(item) ?? [],
        });
      }
    };

    try {
      await createOne(posting);
    } catch (err) {
      if (isRetryable(err) || !(err instanceof OdooError)) throw err;
      if (posting.length === 1) {
        const item = posting[0] as Item;
        await ledger.clearPending(item.records.map((r) => r.key).filter((k) => !existing.has(k)));
        failures.push({ summary: item.summary, error: err });
      } else {
        // The whole call rolled back: isolate the culprit(s) summary by summary.
        for (const item of posting) {
          try {
            await createOne([item]);
          } catch (inner) {
            if (isRetryable(inner) || !(inner instanceof OdooError)) throw inner;
            await ledger.clearPending(item.records.map((r) => r.key).filter((k) => !existing.has(k)));
            failures.push({ summary: item.summary, error: inner });
          }
        }
      }
    }

    for (const item of live) {
      const o = done.get(item);
      if (o !== undefined) outcomes.push(o);
    }
    for (const dupe of dupes) {
      const twin = done.get(best.get(dupe.shiftKey) as Item);
      if (twin !== undefined) outcomes.push({ ...twin, summary: dupe.summary, created: 0 });
    }
  }

  async function run(batches: Item[][], outcomes: SummaryOutcome[], failures: SummaryFailure[]): Promise<PostResult> {
    try {
      for (const batch of batches) if (batch.length > 0) await postBatch(batch, outcomes, failures);
    } catch (err) {
      // Retries ran out (or Redis failed): nothing buffered is confirmed. Drop the buffer so the
      // caller re-delivers everything since its last committed offset (the ledger makes that safe).
      acc.drain();
      throw err;
    }
    return { outcomes, failures, buffered: acc.pending.items };
  }

  return {
    post: (summaries) =>
      serial(async () => {
        const outcomes: SummaryOutcome[] = [];
        const failures: SummaryFailure[] = [];
        const ready: Item[][] = [];
        const targets = summaries.some((s) => !finalOnly || s.final) ? await options.targets() : undefined;
        for (const summary of summaries) {
          if ((finalOnly && !summary.final) || targets === undefined) {
            outcomes.push({ summary, status: 'skipped-partial', recordIds: [], created: 0, unlinkedIds: [] });
            continue;
          }
          const mapped = summaryToRecords(summary, options.mapping, targets);
          if (mapped.problems.length > 0) {
            failures.push({
              summary,
              error: new OdooError(
                'SHIFTSTREAM_ODOO_MASTER_DATA',
                `odoo productivity records: ${mapped.problems.join('; ')}`,
                { details: { problems: mapped.problems } },
              ),
            });
            continue;
          }
          const item: Item = {
            summary,
            shiftKey: shiftKeyFor(summary.plantId, summary.workCenterId, summary.windowId),
            records: mapped.records,
          };
          const bytes = mapped.records.reduce((n, r) => n + r.vals.description.length + 120, 0);
          ready.push(...acc.add(item, Math.max(1, mapped.records.length), bytes, options.nowMs()));
        }
        return run(ready, outcomes, failures);
      }),
    flush: () => serial(() => run([acc.drain()], [], [])),
    flushIfDue: () =>
      serial(async () => {
        const due = acc.poll(options.nowMs());
        return run(due === null ? [] : [due], [], []);
      }),
    dueAtMs: () => acc.dueAtMs(),
  };
}
