// `dlq replay`: re-posts dead-lettered items once their cause is fixed. Reads the dead-letter topic
// from the replay cursor (per partition, in the key-value store) to the end offsets taken at the
// start; each letter goes back to the poster of its `service` (its posting kind), all letters of one
// kind in one post + flush (idempotent: the shift writer does not create keys again, and a newer
// revision in Odoo makes an old letter `superseded`). Each success is audited `replayed`; an item
// Odoo still refuses is dead-lettered again (attempts + 1) so the next replay sees it. The cursor
// moves only after the whole run succeeded, so a crash or an Odoo outage replays the same letters
// again (safely).
import type { AuditRecord, DeadLetter } from '../ports/dead-letters.js';
import type { EventSink, SinkRecord } from '../ports/event-sink.js';
import type { SourceRecord } from '../ports/event-source.js';
import type { KeyValueStore } from '../ports/key-value.js';
import type { ItemPoster } from '../ports/posting.js';
import { auditSinkRecord, deadLetterRecord, errorInfo, parseDeadLetter } from './posting-records.js';

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
  /**
   * The poster of each dead-letter service, created on the first letter of that service. The
   * order is the order in which services are posted (and listed by a dry run).
   */
  readonly posters: ReadonlyMap<string, () => ItemPoster<object>>;
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

interface Entry {
  readonly rec: SourceRecord;
  readonly letter: DeadLetter;
  readonly item: object;
}

/** Replays the given dead-letter records; rejects (nothing produced) when Odoo is unavailable. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayLine[]> {
  const lines: ReplayLine[] = [];
  const groups = new Map<string, { poster: ItemPoster<object>; entries: Entry[] }>();
  const unreplayable = (rec: SourceRecord, letter: DeadLetter | null, detail: string): void => {
    lines.push({ offset: rec.offset, partition: rec.partition, letter, verdict: 'unreplayable', detail, odooIds: [] });
  };
  for (const rec of options.records) {
    const parsed = parseDeadLetter(rec.value);
    if (!parsed.ok) {
      unreplayable(rec, null, parsed.problem);
      continue;
    }
    const letter = parsed.value;
    const make = options.posters.get(letter.service);
    if (make === undefined) {
      unreplayable(
        rec,
        letter,
        `service: expected the service of a registered posting kind ` +
          `(${[...options.posters.keys()].join(', ')}), found ${JSON.stringify(letter.service)}`,
      );
      continue;
    }
    let group = groups.get(letter.service);
    if (group === undefined) groups.set(letter.service, (group = { poster: make(), entries: [] }));
    const item = group.poster.revive(letter);
    if (item === null)
      unreplayable(rec, letter, `the record was unreadable when consumed (${letter.error.message}); fix the producer`);
    else group.entries.push({ rec, letter, item });
  }
  // Services in the posters' order (not the letters'): the same order for every run.
  const ordered = [...options.posters.keys()].flatMap((service) => {
    const g = groups.get(service);
    return g === undefined || g.entries.length === 0 ? [] : [g];
  });
  if (options.dryRun) {
    for (const x of ordered.flatMap((g) => g.entries))
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

  for (const { poster, entries } of ordered) {
    const byItem = new Map<object, Entry>(entries.map((e) => [e.item, e]));
    const r1 = await poster.post(entries.map((e) => e.item));
    const r2 = await poster.flush();
    for (const c of [...r1.confirmed, ...r2.confirmed]) {
      const e = byItem.get(c.item);
      const extra = poster.outputs?.(c);
      if (e !== undefined && extra !== undefined) out.push(...extra);
      if (e !== undefined)
        settle(e.rec, e.letter, {
          status: c.status,
          model: c.odooModel,
          ids: c.odooIds,
          created: c.created,
          unlinked: c.unlinkedIds,
        });
    }
    for (const f of [...r1.refused, ...r2.refused]) {
      const e = byItem.get(f.item);
      if (e !== undefined) settle(e.rec, e.letter, { error: f.error });
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
