// EventSource over the embedded log. One loop per held partition hands out batches of up to
// `maxBatchRecords` (one `slice`, no per-record promise) and waits for onBatch before the next.
// Resume offsets: onAssign's answer, else the group's committed offset, else the earliest (0).
import { KafkaError } from '../../errors.js';
import type { EventSource, ResumeOffsets, SourceHandlers, TopicPartition } from '../../ports/event-source.js';
import { tpKey } from '../../ports/event-source.js';
import type { MemoryGroup, MemoryGroupMember } from './memory-group.js';
import type { MemoryLog, MemoryPartitionLog } from './memory-log.js';

export interface MemoryEventSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Largest batch handed to onBatch. Default 2000. */
  readonly maxBatchRecords?: number;
}

interface Pump {
  readonly tp: TopicPartition;
  readonly log: MemoryPartitionLog;
  position: number;
  active: boolean;
  wake: (() => void) | undefined;
  done: Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class MemoryEventSource implements EventSource {
  private readonly group: MemoryGroup;
  private readonly maxBatchRecords: number;
  private readonly pumps = new Map<string, Pump>();
  private readonly member: MemoryGroupMember;
  private handlers: SourceHandlers | undefined;
  private settled = false;
  private resolveRun: () => void = () => undefined;
  private rejectRun: (err: unknown) => void = () => undefined;

  constructor(
    private readonly log: MemoryLog,
    private readonly options: MemoryEventSourceOptions,
  ) {
    this.group = log.group(options.groupId);
    this.maxBatchRecords = options.maxBatchRecords ?? 2000;
    for (const topic of options.topics) log.partitionLogs(topic);
    this.member = {
      topics: options.topics,
      assign: (tps) => this.assign(tps).catch((err: unknown) => this.fail(err)),
      revoke: (tps) => this.revoke(tps).catch((err: unknown) => this.fail(err)),
    };
  }

  run(handlers: SourceHandlers): Promise<void> {
    if (this.handlers !== undefined) {
      return Promise.reject(
        new KafkaError('SHIFTSTREAM_KAFKA', `memory source (group ${this.options.groupId}): run() called twice`),
      );
    }
    this.handlers = handlers;
    const done = new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    this.group.join(this.member).catch((err: unknown) => this.fail(err));
    return done;
  }

  commit(offsets: readonly (TopicPartition & { readonly offset: string })[]): Promise<void> {
    try {
      this.group.commit(offsets);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async stop(): Promise<void> {
    if (this.settled) return;
    if (this.handlers === undefined) {
      this.settled = true;
      return;
    }
    await this.group.leave(this.member);
    if (!this.settled) {
      this.settled = true;
      this.resolveRun();
    }
  }

  /** The partitions this source holds now (for tests). */
  assigned(): TopicPartition[] {
    return [...this.pumps.values()].map((p) => p.tp);
  }

  private async assign(tps: readonly TopicPartition[]): Promise<void> {
    if (this.settled || this.handlers === undefined) return;
    const offsets: ResumeOffsets = await this.handlers.onAssign(tps);
    for (const tp of tps) {
      const key = tpKey(tp);
      const resume = offsets.get(key) ?? this.group.committed(tp) ?? '0';
      if (!/^\d+$/.test(resume)) {
        throw new KafkaError(
          'SHIFTSTREAM_KAFKA',
          `memory source (group ${this.options.groupId}): onAssign returned offset ` +
            `${JSON.stringify(resume)} for ${key}, expected a non-negative integer string`,
        );
      }
      const pump: Pump = {
        tp,
        log: this.log.partitionLogs(tp.topic)[tp.partition]!,
        position: Number(resume),
        active: true,
        wake: undefined,
        done: Promise.resolve(),
      };
      this.pumps.set(key, pump);
      pump.done = this.pump(pump);
    }
  }

  private async revoke(tps: readonly TopicPartition[]): Promise<void> {
    const stopped: Promise<void>[] = [];
    for (const tp of tps) {
      const pump = this.pumps.get(tpKey(tp));
      if (pump === undefined) continue;
      pump.active = false;
      pump.wake?.();
      stopped.push(pump.done);
    }
    await Promise.all(stopped);
    if (!this.settled && this.handlers !== undefined) await this.handlers.onRevoke(tps);
    for (const tp of tps) this.pumps.delete(tpKey(tp));
  }

  private async pump(p: Pump): Promise<void> {
    const handlers = this.handlers!;
    const records = p.log.records;
    while (p.active && !this.settled) {
      if (p.position < records.length) {
        const end = Math.min(records.length, p.position + this.maxBatchRecords);
        try {
          await handlers.onBatch({
            topic: p.tp.topic,
            partition: p.tp.partition,
            records: records.slice(p.position, end),
            highWatermark: String(records.length),
          });
        } catch (err) {
          this.fail(err);
          return;
        }
        p.position = end;
        // Let timers and I/O run between batches even when onBatch settles synchronously.
        await nextTurn();
      } else {
        await new Promise<void>((resolve) => {
          p.wake = resolve;
          p.log.waiters.add(resolve);
        });
        p.log.waiters.delete(p.wake!);
        p.wake = undefined;
      }
    }
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    for (const p of this.pumps.values()) {
      p.active = false;
      p.wake?.();
    }
    // A crashed member does not get to run onRevoke; the group moves its partitions on.
    this.group.leave(this.member, true).then(
      () => this.rejectRun(err),
      () => this.rejectRun(err),
    );
  }
}
