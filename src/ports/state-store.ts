// Port: durable checkpoints of core state per input partition, with the input offset they reflect.
// Either one whole checkpoint (`save`), or a chain: a base and the deltas appended after it, each
// with the offset it covers (incremental checkpoints, docs/architecture.md "Checkpoints").

export interface Checkpoint {
  /** The next input offset to read after restoring this snapshot. */
  readonly offset: string;
  /** The encoded core snapshot (of a base), or the encoded delta. */
  readonly snapshot: Buffer;
  readonly savedAtMs: number;
}

export interface CheckpointChain {
  readonly base: Checkpoint;
  /** In the order they were appended; the state is the base plus all of them, at the last one's offset. */
  readonly deltas: readonly Checkpoint[];
  /** Pass to `append` to extend exactly this chain; undefined: it cannot be extended (write a base). */
  readonly token: string | undefined;
}

export interface StateStore {
  /** A whole checkpoint; of a chain, its base (a consistent state and offset as well). */
  load(key: string): Promise<Checkpoint | undefined>;
  /** Atomic: a reader sees the old or the new checkpoint, never a mix. */
  save(key: string, checkpoint: Checkpoint): Promise<void>;
  /** What `save`, `saveBase` and `append` left, read at once (one atomic read). */
  loadChain(key: string): Promise<CheckpointChain | undefined>;
  /** Replaces what is stored with a new base without deltas (atomic); returns its chain's token. */
  saveBase(key: string, base: Checkpoint): Promise<string>;
  /**
   * Appends a delta, atomically with its offset, when the stored chain is still exactly the one
   * `token` names (nobody wrote since); returns the new token. Otherwise writes nothing and
   * returns undefined (another writer's checkpoint is there: write a base).
   */
  append(key: string, delta: Checkpoint, token: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
