// Port: how records are encoded on topics. The Kafka pipeline uses Avro in the Confluent wire
// format with a schema registry; the embedded demo uses the same Avro with local schema ids.
import type { RejectReason } from '../core/mapping.js';
import type { MilestoneRecord } from '../core/milestones.js';
import type { LateRecord } from '../core/processor.js';
import type { MachineEvent, OrderSummary, RawSample, WindowSummary } from '../core/types.js';

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export interface Codec<T> {
  encode(value: T): Buffer;
  /** Never throws: a bad record is a value (it goes to the dead-letter topic). */
  decode(buf: Buffer): Decoded<T>;
}

/** A record refused anywhere in the pipeline, with the reason and the original bytes. */
export interface RejectedRecord {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly sourceTimestampMs: number | null;
  readonly plantId: string | null;
  readonly key: Buffer | null;
  readonly payload: Buffer;
}

export interface Codecs {
  /** Fetches unknown schema ids used by these records (once per id). */
  prepare(buffers: Iterable<Buffer | null>): Promise<void>;
  readonly raw: Codec<RawSample>;
  readonly event: Codec<MachineEvent>;
  readonly milestone: Codec<MilestoneRecord>;
  readonly summary: Codec<WindowSummary>;
  readonly rejected: Codec<RejectedRecord>;
  readonly late: Codec<LateRecord>;
  /** docs/semantics.md section 11: order summaries (topic role `orderSummaries`). */
  readonly orderSummary: Codec<OrderSummary>;
}
