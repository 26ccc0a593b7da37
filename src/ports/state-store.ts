// Port: durable checkpoints of core state per input partition, with the input offset they reflect.

export interface Checkpoint {
  /** The next input offset to read after restoring this snapshot. */
  readonly offset: string;
  /** The encoded core snapshot. */
  readonly snapshot: Buffer;
  readonly savedAtMs: number;
}

export interface StateStore {
  load(key: string): Promise<Checkpoint | undefined>;
  /** Atomic: a reader sees the old or the new checkpoint, never a mix. */
  save(key: string, checkpoint: Checkpoint): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
