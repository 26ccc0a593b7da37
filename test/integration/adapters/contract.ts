// One contract for every EventSource/EventSink pair and every StateStore (Emmett style). Runners:
// test/unit/io/memory/contract.test.ts (no servers) and test/integration/adapters/*.test.ts.
import { expect, it } from 'vitest';
import type { EventSink } from '../../../src/ports/event-sink.js';
import type {
  EventSource,
  ResumeOffsets,
  SourceBatch,
  SourceHandlers,
  SourceRecord,
  TopicPartition,
} from '../../../src/ports/event-source.js';
import { tpKey } from '../../../src/ports/event-source.js';
import type { StateStore } from '../../../src/ports/state-store.js';
import { partitionForKey } from '../../../src/io/memory/murmur2.js';

export interface EventHarness {
  /** Creates a topic with `partitions` partitions (unique names come from `uniqueName`). */
  createTopic(topic: string, partitions: number): Promise<void>;
  source(options: { groupId: string; topics: readonly string[] }): EventSource;
  sink(): EventSink;
  uniqueName(label: string): string;
  /** Deadline of one awaited condition (rebalances on a real broker take seconds). */
  readonly deadlineMs: number;
  /**
   * True when onRevoke completes before the group hands the partition to another member (memory,
   * rdkafka). kafkajs calls it after the re-join, so a partition that moves may be re-read from
   * the last commit made before the rebalance (at-least-once; see src/io/kafka/README.md).
   */
  readonly revokeBeforeReassign: boolean;
}

/** Polls `cond` until true or the deadline passes; the error names what was awaited. */
export async function waitFor(
  what: string,
  cond: () => boolean,
  deadlineMs: number,
  detail: () => string = () => '',
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end)
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${detail() ? `: ${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** SourceHandlers that record everything and check the port's invariants as they go. */
export class Recorder implements SourceHandlers {
  readonly held = new Set<string>();
  readonly byPartition = new Map<string, SourceRecord[]>();
  readonly assigns: string[][] = [];
  readonly revokes: string[][] = [];
  readonly violations: string[] = [];
  resume = new Map<string, string | undefined>();
  failOnBatch: Error | undefined;
  /** Like the engine: commit the position of each revoked partition before letting it go. */
  commitOnRevoke: EventSource | undefined;
  total = 0;
  /** Per partition: [last offset of the batch, the batch's highWatermark] (consumer lag). */
  readonly watermarks = new Map<string, [string, string | undefined][]>();

  onBatch(batch: SourceBatch): Promise<void> {
    const key = tpKey(batch);
    if (!this.held.has(key)) this.violations.push(`batch of ${key} while not held`);
    const list = this.byPartition.get(key) ?? [];
    for (const r of batch.records) {
      if (r.topic !== batch.topic || r.partition !== batch.partition)
        this.violations.push(`record ${tpKey(r)} in batch of ${key}`);
      const prev = list[list.length - 1];
      if (prev !== undefined && BigInt(r.offset) <= BigInt(prev.offset))
        this.violations.push(`${key}: offset ${r.offset} after ${prev.offset}`);
      list.push(r);
    }
    this.byPartition.set(key, list);
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined)
      this.watermarks.set(key, [...(this.watermarks.get(key) ?? []), [last.offset, batch.highWatermark]]);
    this.total += batch.records.length;
    return this.failOnBatch === undefined ? Promise.resolve() : Promise.reject(this.failOnBatch);
  }

  onAssign(partitions: readonly TopicPartition[]): Promise<ResumeOffsets> {
    const keys = partitions.map(tpKey);
    for (const k of keys) {
      if (this.held.has(k)) this.violations.push(`assigned ${k} twice`);
      this.held.add(k);
    }
    this.assigns.push(keys);
    const out = new Map<string, string | undefined>();
    for (const k of keys) out.set(k, this.resume.get(k));
    return Promise.resolve(out);
  }

  onRevoke(partitions: readonly TopicPartition[]): Promise<void> {
    const keys = partitions.map(tpKey);
    for (const k of keys) {
      if (!this.held.has(k)) this.violations.push(`revoked ${k} while not held`);
      this.held.delete(k);
    }
    this.revokes.push(keys);
    return this.commitOnRevoke === undefined
      ? Promise.resolve()
      : this.commitOnRevoke.commit(this.positions(partitions));
  }

  /** The next offset of each partition that delivered something. */
  positions(partitions: readonly TopicPartition[]): (TopicPartition & { offset: string })[] {
    const out: (TopicPartition & { offset: string })[] = [];
    for (const tp of partitions) {
      const list = this.byPartition.get(tpKey(tp));
      const last = list?.[list.length - 1];
      if (last !== undefined)
        out.push({ topic: tp.topic, partition: tp.partition, offset: String(BigInt(last.offset) + 1n) });
    }
    return out;
  }

  records(): SourceRecord[] {
    return [...this.byPartition.values()].flat();
  }
}

const keyOf = (i: number): string => `machine-${i % 17}`;

async function produce(sink: EventSink, topic: string, count: number, from = 0): Promise<void> {
  const records = [];
  for (let i = from; i < from + count; i++) records.push({ topic, key: keyOf(i), value: Buffer.from(`v-${i}`) });
  // Several sends in flight, as the engine does.
  const chunks = [];
  for (let i = 0; i < records.length; i += 100) chunks.push(sink.send(records.slice(i, i + 100)));
  await Promise.all(chunks);
}

/** Starts `source.run`, keeping its settlement observable (and never unhandled). */
function start(
  source: EventSource,
  handlers: SourceHandlers,
): { done: Promise<void>; state: { settled: boolean; error: unknown } } {
  const state = { settled: false, error: undefined as unknown };
  const done = source.run(handlers).then(
    () => {
      state.settled = true;
    },
    (err: unknown) => {
      state.settled = true;
      state.error = err;
    },
  );
  return { done, state };
}

export function eventSourceContract(h: () => EventHarness): void {
  it('delivers every keyed record once, in order per partition, on the partition Kafka would pick', async () => {
    const env = h();
    const topic = env.uniqueName('order');
    await env.createTopic(topic, 3);
    const sink = env.sink();
    const n = 600;
    await produce(sink, topic, n);
    const source = env.source({ groupId: env.uniqueName('g-order'), topics: [topic] });
    const rec = new Recorder();
    const run = start(source, rec);
    await waitFor(
      `${n} records`,
      () => rec.total >= n || run.state.settled,
      env.deadlineMs,
      () => `got ${rec.total}`,
    );
    await source.stop();
    await run.done;
    await sink.close();
    expect(run.state.error).toBeUndefined();
    expect(rec.violations).toEqual([]);
    expect(rec.total).toBe(n);
    expect(rec.assigns.flat().sort()).toEqual([0, 1, 2].map((p) => `${topic}:${p}`));
    // stop() revokes what it held
    expect(rec.revokes.flat().sort()).toEqual([0, 1, 2].map((p) => `${topic}:${p}`));
    const perKey = new Map<string, number[]>();
    for (const r of rec.records()) {
      const key = r.key!.toString();
      expect(r.partition, `key ${key}`).toBe(partitionForKey(Buffer.from(key), 3));
      const i = Number(r.value!.toString().slice(2));
      perKey.set(key, [...(perKey.get(key) ?? []), i]);
      expect(Number.isInteger(r.timestampMs) && r.timestampMs > 0).toBe(true);
    }
    for (const [key, seq] of perKey) expect(seq, `order of ${key}`).toEqual([...seq].sort((a, b) => a - b));
    for (const [key, list] of rec.byPartition) expect(list[0]!.offset, `first offset of ${key}`).toBe('0');
    // Consumer lag: every batch tells the partition's end offset, which is past the batch's last
    // record; once everything is read (all produced before), the last batch's is the record count.
    for (const [key, marks] of rec.watermarks) {
      for (const [offset, hw] of marks) {
        expect(hw, `highWatermark of a batch of ${key}`).toMatch(/^\d+$/);
        expect(BigInt(hw!) > BigInt(offset), `highWatermark ${hw} after offset ${offset} (${key})`).toBe(true);
      }
      expect(marks.at(-1)![1], `end offset of ${key}`).toBe(String(rec.byPartition.get(key)!.length));
    }
  });

  it('resumes from committed offsets after a restart, and onAssign offsets win over them', async () => {
    const env = h();
    const topic = env.uniqueName('commit');
    await env.createTopic(topic, 2);
    const sink = env.sink();
    await produce(sink, topic, 200);
    const groupId = env.uniqueName('g-commit');
    const first = env.source({ groupId, topics: [topic] });
    const rec1 = new Recorder();
    const run1 = start(first, rec1);
    await waitFor(
      '200 records',
      () => rec1.total >= 200 || run1.state.settled,
      env.deadlineMs,
      () => `got ${rec1.total}`,
    );
    // commit the middle of each partition
    const committed = new Map<string, string>();
    for (const [key, list] of rec1.byPartition) committed.set(key, list[Math.floor(list.length / 2)]!.offset);
    await first.commit(
      [...committed].map(([key, offset]) => ({ topic, partition: Number(key.split(':').pop()), offset })),
    );
    await first.stop();
    await run1.done;
    expect(run1.state.error).toBeUndefined();

    const second = env.source({ groupId, topics: [topic] });
    const rec2 = new Recorder();
    rec2.resume.set(`${topic}:0`, '3'); // onAssign says: partition 0 from offset 3
    const run2 = start(second, rec2);
    const want = new Map<string, number>();
    for (const [key, list] of rec1.byPartition)
      want.set(key, key === `${topic}:0` ? list.length - 3 : list.length - Number(committed.get(key)));
    const expected = [...want.values()].reduce((a, b) => a + b, 0);
    await waitFor(
      `${expected} records after restart`,
      () => rec2.total >= expected || run2.state.settled,
      env.deadlineMs,
      () => `got ${rec2.total}`,
    );
    await produce(sink, topic, 10, 200);
    await waitFor(
      '10 more records',
      () => rec2.total >= expected + 10 || run2.state.settled,
      env.deadlineMs,
      () => `got ${rec2.total}`,
    );
    await second.stop();
    await run2.done;
    await sink.close();
    expect(run2.state.error).toBeUndefined();
    expect(rec2.violations).toEqual([]);
    expect(rec2.total).toBe(expected + 10);
    expect(rec2.byPartition.get(`${topic}:0`)![0]!.offset).toBe('3');
    expect(rec2.byPartition.get(`${topic}:1`)![0]!.offset).toBe(committed.get(`${topic}:1`));
  });

  it('splits partitions between two members and moves them back when one leaves, without loss or repeats', async () => {
    const env = h();
    const topic = env.uniqueName('split');
    await env.createTopic(topic, 4);
    const sink = env.sink();
    const groupId = env.uniqueName('g-split');
    const all = [0, 1, 2, 3].map((p) => ({ topic, partition: p }));
    const a = env.source({ groupId, topics: [topic] });
    const recA = new Recorder();
    recA.commitOnRevoke = a;
    const runA = start(a, recA);
    await waitFor('member A to hold 4 partitions', () => recA.held.size === 4 || runA.state.settled, env.deadlineMs);
    await produce(sink, topic, 100);
    await waitFor(
      'A to read 100 records',
      () => recA.total >= 100 || runA.state.settled,
      env.deadlineMs,
      () => `got ${recA.total}`,
    );
    await a.commit(recA.positions(all));
    // 50 more that A reads but does not commit: where A keeps a partition through the rebalance it
    // must go on from its own position (a rewind shows as a violation), where it loses one, its
    // onRevoke commit decides where B starts.
    await produce(sink, topic, 50, 100);
    await waitFor(
      'A to read 150 records',
      () => recA.total >= 150 || runA.state.settled,
      env.deadlineMs,
      () => `got ${recA.total}`,
    );

    const b = env.source({ groupId, topics: [topic] });
    const recB = new Recorder();
    recB.commitOnRevoke = b;
    const runB = start(b, recB);
    const disjointCover = (): boolean =>
      recA.held.size + recB.held.size === 4 &&
      recA.held.size > 0 &&
      recB.held.size > 0 &&
      [...recA.held].every((k) => !recB.held.has(k));
    await waitFor(
      'the two members to split 4 partitions',
      () => disjointCover() || runA.state.settled || runB.state.settled,
      env.deadlineMs,
      () => `A ${[...recA.held]} B ${[...recB.held]}`,
    );
    expect(recA.revokes.flat().length).toBeGreaterThan(0);
    const heldByB = [...recB.held].sort();

    // A keeps reading its kept partitions from where it was, B starts at A's commit.
    await produce(sink, topic, 50, 150);
    await waitFor(
      '200 records across both members',
      () => recA.total + recB.total >= 200 || runA.state.settled || runB.state.settled,
      env.deadlineMs,
      () => `A ${recA.total} B ${recB.total}`,
    );
    for (const k of recB.byPartition.keys()) expect(heldByB).toContain(k);

    await b.stop(); // onRevoke commits B's positions before B leaves
    await runB.done;
    expect(recB.revokes.flat().sort()).toEqual(heldByB);
    await waitFor(
      'member A to get all 4 partitions back',
      () => recA.held.size === 4 || runA.state.settled,
      env.deadlineMs,
      () => `A ${[...recA.held]}`,
    );
    await produce(sink, topic, 20, 200);
    const distinct = (): number =>
      new Set([...recA.records(), ...recB.records()].map((r) => `${tpKey(r)}@${r.offset}`)).size;
    await waitFor(
      '220 distinct records',
      () => distinct() >= 220 || runA.state.settled,
      env.deadlineMs,
      () => `A ${recA.total} B ${recB.total} distinct ${distinct()}`,
    );
    await a.stop();
    await runA.done;
    await sink.close();
    expect(runA.state.error).toBeUndefined();
    expect(runB.state.error).toBeUndefined();
    expect(recA.violations).toEqual([]);
    expect(recB.violations).toEqual([]);
    const delivered = [...recA.records(), ...recB.records()].map((r) => `${tpKey(r)}@${r.offset}`);
    expect(new Set(delivered).size).toBe(220);
    if (env.revokeBeforeReassign) expect(delivered.length).toBe(220);
  });

  it('rejects run() when onBatch rejects', async () => {
    const env = h();
    const topic = env.uniqueName('fail');
    await env.createTopic(topic, 1);
    const sink = env.sink();
    await produce(sink, topic, 5);
    await sink.close();
    const source = env.source({ groupId: env.uniqueName('g-fail'), topics: [topic] });
    const rec = new Recorder();
    rec.failOnBatch = new Error('engine broke');
    const run = start(source, rec);
    await waitFor('run() to settle', () => run.state.settled, env.deadlineMs);
    expect((run.state.error as Error | undefined)?.message).toBe('engine broke');
  });
}

export interface StoreHarness {
  store(): StateStore;
  uniqueName(label: string): string;
}

export function stateStoreContract(h: () => StoreHarness): void {
  it('round-trips checkpoints, overwrites, deletes, and keeps keys apart', async () => {
    const env = h();
    const store = env.store();
    const k1 = env.uniqueName('cp');
    const k2 = env.uniqueName('cp');
    expect(await store.load(k1)).toBeUndefined();
    const snapshot = Buffer.from([0, 1, 2, 255, 0, 128]);
    await store.save(k1, { offset: '12345678901234567', snapshot, savedAtMs: 1_700_000_000_123 });
    await store.save(k2, { offset: '0', snapshot: Buffer.alloc(0), savedAtMs: 1 });
    snapshot[0] = 9; // the store keeps what was saved
    expect(await store.load(k1)).toEqual({
      offset: '12345678901234567',
      snapshot: Buffer.from([0, 1, 2, 255, 0, 128]),
      savedAtMs: 1_700_000_000_123,
    });
    expect(await store.load(k2)).toEqual({ offset: '0', snapshot: Buffer.alloc(0), savedAtMs: 1 });
    await store.save(k1, { offset: '7', snapshot: Buffer.from('new'), savedAtMs: 2 });
    expect(await store.load(k1)).toEqual({ offset: '7', snapshot: Buffer.from('new'), savedAtMs: 2 });
    await store.delete(k1);
    expect(await store.load(k1)).toBeUndefined();
    expect((await store.load(k2))?.offset).toBe('0');
    await store.delete(k2);
    await store.close();
  });

  it('is atomic: concurrent readers see a whole old or new checkpoint, never a mix', async () => {
    const env = h();
    const writer = env.store();
    const reader = env.store();
    const key = env.uniqueName('atomic');
    const big = (i: number): Buffer => Buffer.alloc(256 * 1024, i);
    await writer.save(key, { offset: '0', snapshot: big(0), savedAtMs: 0 });
    const seen = new Set<number>();
    const writes = (async () => {
      for (let i = 1; i <= 20; i++) await writer.save(key, { offset: String(i), snapshot: big(i), savedAtMs: i });
    })();
    const reads = (async () => {
      for (let j = 0; j < 40; j++) {
        const c = (await reader.load(key))!;
        const i = Number(c.offset);
        seen.add(i);
        expect(c.savedAtMs).toBe(i);
        expect(c.snapshot.length).toBe(256 * 1024);
        expect(c.snapshot.every((b) => b === i)).toBe(true);
      }
    })();
    await Promise.all([writes, reads]);
    expect((await reader.load(key))?.offset).toBe('20');
    await writer.delete(key);
    await writer.close();
    await reader.close();
  });
  it('chains: a base and its deltas load together; a plain save loads as a base that cannot be extended', async () => {
    const env = h();
    const store = env.store();
    const key = env.uniqueName('chain');
    const cp = (offset: string, bytes: string, at: number) => ({
      offset,
      snapshot: Buffer.from(bytes),
      savedAtMs: at,
    });
    expect(await store.loadChain(key)).toBeUndefined();
    let token = await store.saveBase(key, cp('10', 'base-10', 1));
    expect(await store.loadChain(key)).toEqual({ base: cp('10', 'base-10', 1), deltas: [], token });
    const t1 = await store.append(key, cp('12', 'delta-12', 2), token);
    expect(t1).toBeDefined();
    const t2 = await store.append(key, cp('15', '', 3), t1!);
    expect(t2).toBeDefined();
    expect(await store.loadChain(key)).toEqual({
      base: cp('10', 'base-10', 1),
      deltas: [cp('12', 'delta-12', 2), cp('15', '', 3)],
      token: t2,
    });
    // `load` gives the base: a state with the offset it covers.
    expect(await store.load(key)).toEqual(cp('10', 'base-10', 1));
    token = await store.saveBase(key, cp('20', 'base-20', 4));
    expect(await store.loadChain(key)).toEqual({ base: cp('20', 'base-20', 4), deltas: [], token });
    await store.save(key, cp('21', 'whole-21', 5));
    expect(await store.loadChain(key)).toEqual({ base: cp('21', 'whole-21', 5), deltas: [], token: undefined });
    await store.delete(key);
    expect(await store.loadChain(key)).toBeUndefined();
    await store.close();
  });

  it('chains: a stale token appends nothing (another writer extended or replaced the chain)', async () => {
    const env = h();
    const a = env.store();
    const b = env.store();
    const key = env.uniqueName('fence');
    const cp = (offset: string, at: number) => ({ offset, snapshot: Buffer.from(`s${offset}`), savedAtMs: at });
    const base = await a.saveBase(key, cp('1', 1));
    // Both writers hold the same chain; the first append wins, the second is refused.
    const won = await b.append(key, cp('2', 2), base);
    expect(won).toBeDefined();
    expect(await a.append(key, cp('3', 3), base)).toBeUndefined();
    // A new base (same bytes, same length) replaces the chain: tokens of the old one are refused.
    const rebased = await b.saveBase(key, cp('1', 1));
    expect(rebased).not.toBe(base);
    expect(await a.append(key, cp('4', 4), base)).toBeUndefined();
    expect(await a.append(key, cp('4', 4), won!)).toBeUndefined();
    expect(await a.loadChain(key)).toEqual({ base: cp('1', 1), deltas: [], token: rebased });
    // A plain save cannot be extended.
    await a.save(key, cp('5', 5));
    expect(await b.append(key, cp('6', 6), rebased)).toBeUndefined();
    expect(await b.loadChain(key)).toEqual({ base: cp('5', 5), deltas: [], token: undefined });
    await a.delete(key);
    await a.close();
    await b.close();
  });
}
