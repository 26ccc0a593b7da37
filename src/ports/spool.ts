// Port: the store-and-forward spool of `ingest` from MQTT. Samples are appended (durable when the
// promise resolves: written and fsync'd), read in order by the forwarder, and acknowledged once the
// Kafka broker acknowledged them; only then does the cursor move. A restart reads from the cursor,
// so what was appended is sent at least once and in order (io/spool/file-spool.ts).

export interface SpoolRecord {
  /** The Kafka record key (the tag). */
  readonly key: string;
  /** The encoded record value (Avro raw sample, wire format). */
  readonly value: Buffer;
}

export interface SpooledRecord extends SpoolRecord {
  /** Position in the spool: consecutive, increasing, never reused. */
  readonly seq: number;
  /** When it was appended (epoch ms). */
  readonly spooledAtMs: number;
}

export interface SpoolStats {
  /** Records appended and not yet acknowledged. */
  readonly depth: number;
  /** Bytes on disk (all segments). */
  readonly bytes: number;
  /** Age of the oldest unacknowledged record (ms), or null when empty. */
  readonly oldestAgeMs: number | null;
}

/** Records dropped at a bound (the spool keeps the newest data): what, why and which time span. */
export interface SpoolDrop {
  readonly reason: 'max-bytes' | 'max-age';
  readonly records: number;
  readonly bytes: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly oldestSpooledAtMs: number;
  readonly newestSpooledAtMs: number;
}

export interface Spool {
  /** A random id made with the spool's directory: a position recorded for another spool is not this one's. */
  readonly id: string;
  /**
   * Appends the records in order; resolves once they are on disk (fdatasync). The spool's order is
   * the order of the calls (fixed when append is called, not when it resolves), so several appends
   * may be in flight and share one fdatasync (group commit). The spool may hand the same value
   * buffers back to the reader: they must not change after the call.
   */
  append(records: readonly SpoolRecord[]): Promise<void>;
  /** The next records after those already read (at most `max`), in order; [] when none. */
  read(max: number): Promise<SpooledRecord[]>;
  /** The broker acknowledged everything up to `seq`: the cursor moves past it (durably). */
  ack(seq: number): Promise<void>;
  /** A send failed: the next read starts again at the cursor. */
  rewind(): void;
  /** The last `n` records appended (acknowledged or not), oldest first: for duplicate checks after a restart. */
  tail(n: number): Promise<SpooledRecord[]>;
  stats(nowMs: number): SpoolStats;
  close(): Promise<void>;
}
