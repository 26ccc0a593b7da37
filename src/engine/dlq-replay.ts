// `dlq replay`: re-posts dead-lettered items once their cause is fixed. Reads the dead-letter topic
// from the replay cursor (Redis, per partition) to the end offsets taken at the start; shift
// summaries go through the ProductivityWriter in one batch (idempotent: already posted keys are not
// created again, a newer revision in Odoo makes an old letter `superseded`), milestones through
// the milestone handler. Each success is audited `replayed`; an item Odoo still refuses is
// dead-lettered again (attempts + 1) so the next replay sees it. The cursor moves only after the
// whole run succeeded, so a crash or an Odoo outage replays the same letters again (safely).
import type { MilestoneRecord } from '../core/milestones.js';
import type { WindowSummary } from '../core/types.js';
import { OdooError, isRetryable } from '../errors.js';
import type { ProductivityWriter } from '../io/odoo/productivity-writer.js';
import type { EventSink, SinkRecord } from '../ports/event-sink.js';
import type { SourceRecord } from '../ports/event-source.js';
import type { KeyValueStore } from '../io/redis/redis-key-value.js';
import type { MilestoneHandler } from '../io/odoo/milestone-poster.js';
import type { AuditRecord, DeadLetter } from './posting-records.js';
import { auditSinkRecord, deadLetterRecord, errorInfo, parseDeadLetter } from './posting-records.js';
import { roundOf } from '../io/odoo/shift-poster.js';

export type ReplayVerdict = 'replayed' | 'still-failing' | 'unreplayable' | 'would-replay';

export interface ReplayLine {
  readonly offset: string;
  readonly partition: number;
  readonly letter: DeadLetter | null;
  readonly verdict: ReplayVerdict;
  /** posted / already-posted / superseded / the new error / why it cannot be replayed */
  readonly detail: string;
  readonly odooIds: readonly number[];
}

export interface ReplayOptions {
  readonly records: readonly SourceRecord[];
  readonly writer: ProductivityWriter;
  readonly milestones: MilestoneHandler;
  readonly sink: EventSink;
  readonly deadLetterTopic: string;
  readonly auditTopic: string;
  readonly dryRun: boolean;
  readonly nowMs: () => number;
}

function audit(
  letter: DeadLetter,
  fields: Pick<AuditRecord, 'event' | 'status'> & Partial<AuditRecord>,
  nowMs: number,
): AuditRecord {
  return {
    version: 1,
    atMs: nowMs,
    service: letter.service,
    plantId: letter.plantId,
    workCenterId: letter.workCenterId,
    key: letter.key,
    subject: letter.subject,
    attempt: letter.attempts + 1,
    odooModel: null,
    odooIds: [],
    created: 0,
    unlinkedIds: [],
    error: null,
    source: letter.source,
    ...fields,
  };
}

/** Replays the given dead-letter records; rejects (nothing produced) when Odoo is unavailable. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayLine[]> {
  const lines: ReplayLine[] = [];
  const shifts: { rec: SourceRecord; letter: DeadLetter; summary: WindowSummary }[] = [];
  const milestones: { rec: SourceRecord; letter: DeadLetter; milestone: MilestoneRecord }[] = [];
  for (const rec of options.records) {
    const parsed = parseDeadLetter(rec.value);
    if (!parsed.ok) {
      lines.push({
        offset: rec.offset,
        partition: rec.partition,
        letter: null,
        verdict: 'unreplayable',
        detail: parsed.problem,
        odooIds: [],
      });
      continue;
    }
    const letter = parsed.value;
    if (letter.service === 'shift' && letter.summary !== null) shifts.push({ rec, letter, summary: letter.summary });
    else if (letter.service === 'milestone' && letter.milestone !== null)
      milestones.push({ rec, letter, milestone: letter.milestone });
    else
      lines.push({
        offset: rec.offset,
        partition: rec.partition,
        letter,
        verdict: 'unreplayable',
        detail: `the record was unreadable when consumed (${letter.error.message}); fix the producer`,
        odooIds: [],
      });
  }
  if (options.dryRun) {
    for (const x of [...shifts, ...milestones])
      lines.push({
        offset: x.rec.offset,
        partition: x.rec.partition,
        letter: x.letter,
        verdict: 'would-replay',
        detail: `${x.letter.error.code}: ${x.letter.error.odooMessage ?? x.letter.error.message}`,
        odooIds: [],
      });
    return lines;
  }

  const out: SinkRecord[] = [];
  const now = options.nowMs();
  const settle = (
    rec: SourceRecord,
    letter: DeadLetter,
    ok:
      | { status: string; model: string | null; ids: readonly number[]; created: number; unlinked: readonly number[] }
      | { error: unknown },
  ): void => {
    if ('error' in ok) {
      const info = errorInfo(ok.error);
      out.push(
        deadLetterRecord(options.deadLetterTopic, {
          ...letter,
          attempts: letter.attempts + 1,
          failedAtMs: now,
          error: info,
        }),
      );
      out.push(
        auditSinkRecord(
          options.auditTopic,
          audit(letter, { event: 'failed', status: 'still-failing', error: info }, now),
        ),
      );
      lines.push({
        offset: rec.offset,
        partition: rec.partition,
        letter,
        verdict: 'still-failing',
        detail: `${info.code}: ${info.odooMessage ?? info.message}`,
        odooIds: [],
      });
      return;
    }
    out.push(
      auditSinkRecord(
        options.auditTopic,
        audit(
          letter,
          {
            event: 'replayed',
            status: ok.status,
            odooModel: ok.model,
            odooIds: ok.ids,
            created: ok.created,
            unlinkedIds: ok.unlinked,
          },
          now,
        ),
      ),
    );
    lines.push({
      offset: rec.offset,
      partition: rec.partition,
      letter,
      verdict: 'replayed',
      detail: ok.status,
      odooIds: ok.ids,
    });
  };

  if (shifts.length > 0) {
    const byObject = new Map<WindowSummary, { rec: SourceRecord; letter: DeadLetter }>(
      shifts.map((s) => [s.summary, s]),
    );
    const r1 = roundOf(await options.writer.post(shifts.map((s) => s.summary)));
    const r2 = roundOf(await options.writer.flush());
    for (const c of [...r1.confirmed, ...r2.confirmed]) {
      const s = byObject.get(c.item);
      if (s !== undefined)
        settle(s.rec, s.letter, {
          status: c.status,
          model: c.odooModel,
          ids: c.odooIds,
          created: c.created,
          unlinked: c.unlinkedIds,
        });
    }
    for (const f of [...r1.refused, ...r2.refused]) {
      const s = byObject.get(f.item);
      if (s !== undefined) settle(s.rec, s.letter, { error: f.error });
    }
  }
  for (const m of milestones) {
    try {
      const o = await options.milestones.handle(m.milestone);
      settle(m.rec, m.letter, {
        status: o.status,
        model: o.odooModel,
        ids: o.odooIds,
        created: o.created,
        unlinked: o.unlinkedIds,
      });
    } catch (err) {
      if (isRetryable(err) || !(err instanceof OdooError)) throw err;
      settle(m.rec, m.letter, { error: err });
    }
  }
  if (out.length > 0) await options.sink.send(out);
  lines.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return lines;
}

/** The replay cursor: next offset per partition of the dead-letter topic. */
export async function loadReplayCursor(kv: KeyValueStore, topic: string): Promise<Map<number, string>> {
  const text = await kv.get(`dlq-replay:${topic}`);
  if (text === null) return new Map();
  const obj = JSON.parse(text) as Record<string, string>;
  return new Map(Object.entries(obj).map(([p, o]) => [Number(p), o]));
}

export async function saveReplayCursor(
  kv: KeyValueStore,
  topic: string,
  ends: ReadonlyMap<number, string>,
): Promise<void> {
  await kv.set(`dlq-replay:${topic}`, JSON.stringify(Object.fromEntries([...ends].map(([p, o]) => [String(p), o]))));
}
