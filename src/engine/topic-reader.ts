// Reads a topic from its beginning (or a group's committed offsets) up to the end offsets taken at
// the start, through the EventSource port: a bounded read for reconcile and `dlq replay`.
import { KafkaError } from '../errors.js';
import type { EventSource, SourceRecord } from '../ports/event-source.js';

/** High watermarks (next offset to be written) per partition. */
export type EndOffsets = (topic: string) => Promise<ReadonlyMap<number, string>>;

export interface ReadToEndOptions {
  readonly source: EventSource;
  readonly topic: string;
  readonly ends: ReadonlyMap<number, string>;
  /** Called with each batch of records below the end offsets, in offset order per partition. */
  readonly onRecords: (records: readonly SourceRecord[]) => Promise<void>;
  /** Fails when the end is not reached in time (default 120 s). */
  readonly timeoutMs?: number;
  /** Offsets to resume from per partition (default: committed, else earliest). */
  readonly from?: ReadonlyMap<number, string>;
}

/** Resolves with the positions reached (= the end offsets) once every partition got there. */
export async function readToEnd(options: ReadToEndOptions): Promise<void> {
  const { source, topic, ends } = options;
  const position = new Map<number, bigint>();
  const remaining = new Set<number>();
  for (const [p, end] of ends) if (BigInt(end) > BigInt(options.from?.get(p) ?? '0')) remaining.add(p);
  if (remaining.size === 0) return;
  let finish: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const check = (p: number): void => {
    const pos = position.get(p);
    if (pos !== undefined && pos >= BigInt(ends.get(p) ?? '0')) remaining.delete(p);
    if (remaining.size === 0) finish();
  };
  const running = source.run({
    onAssign: async (tps) => {
      const out = new Map<string, string | undefined>();
      for (const tp of tps) out.set(`${tp.topic}:${tp.partition}`, options.from?.get(tp.partition));
      return out;
    },
    onRevoke: async () => undefined,
    onBatch: async (batch) => {
      const end = BigInt(ends.get(batch.partition) ?? '0');
      const inRange = batch.records.filter((r) => BigInt(r.offset) < end);
      if (inRange.length > 0) await options.onRecords(inRange);
      const last = batch.records[batch.records.length - 1];
      if (last !== undefined) position.set(batch.partition, BigInt(last.offset) + 1n);
      check(batch.partition);
    },
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const where = [...remaining]
        .map((p) => `${p}: at ${position.get(p)?.toString() ?? 'start'}, end ${ends.get(p) ?? '?'}`)
        .join('; ');
      reject(
        new KafkaError(
          'SHIFTSTREAM_KAFKA',
          `reading ${topic} to its end offsets: not done within ${timeoutMs} ms (${where})`,
        ),
      );
    }, timeoutMs);
  });
  try {
    await Promise.race([reached, running, timeout]);
    if (remaining.size > 0)
      throw new KafkaError('SHIFTSTREAM_KAFKA', `reading ${topic}: the source stopped before the end offsets`);
  } finally {
    clearTimeout(timer);
    await source.stop();
    await running.catch(() => undefined);
  }
}
