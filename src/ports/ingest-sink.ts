// Port: where a file ingest writes, with its position. Records and the position of the input they
// came from are committed together or not at all (on Kafka: one transaction holding the records
// and the position as a consumer-group offset, see io/kafka/kafkajs-ingest-sink.ts), so a restart
// resumes exactly after the last committed line: nothing lost, nothing written twice.
import type { SinkRecord } from './event-sink.js';

/** How far an input was ingested: every record up to and including `line` is committed. */
export interface IngestPosition {
  /** The last input line whose record was committed (produced or rejected); 0: none. */
  readonly line: number;
  /** Bytes of the rejects file that belong to the committed lines (the rest is cut on resume). */
  readonly rejectedBytes: number;
  /** Samples produced up to `line` (for the final line and the metrics after a resume). */
  readonly produced: number;
  /** Lines rejected up to `line`. */
  readonly rejected: number;
  /** The input that position belongs to (a restart with another file must not resume it). */
  readonly input: InputIdentity;
  /** The input ended: everything was committed. */
  readonly done: boolean;
  /**
   * Raw partitions the end-of-input watermark markers went to, in the transaction that set `done`
   * (docs/semantics.md section 6.1). Absent (positions of older versions) or fewer than the raw
   * topic has now: a restart writes them (again: a repeated marker changes nothing).
   */
  readonly markerPartitions?: number;
}

/** What identifies an input file across restarts: its size and a hash of its first bytes. */
export interface InputIdentity {
  readonly name: string;
  readonly sizeBytes: number | null;
  /** sha256 (hex) of the first up to 64 KiB of the raw (possibly gzipped) file. */
  readonly headSha256: string;
}

export interface IngestSink {
  /**
   * Takes over the input (fencing any earlier process still writing for it, whose open
   * transaction is aborted) and returns its last committed position, if any.
   */
  open(): Promise<IngestPosition | undefined>;
  /** Writes the records and moves the position to `position`, atomically. */
  commit(records: readonly SinkRecord[], position: IngestPosition): Promise<void>;
  close(): Promise<void>;
}
