// StateStore in a Map, for tests and the demo. Checkpoints are copied in and out, so a caller
// mutating its buffer afterwards cannot change what was saved.
import type { Checkpoint, StateStore } from '../../ports/state-store.js';

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Checkpoint>();

  load(key: string): Promise<Checkpoint | undefined> {
    const c = this.entries.get(key);
    return Promise.resolve(
      c === undefined ? undefined : { offset: c.offset, snapshot: Buffer.from(c.snapshot), savedAtMs: c.savedAtMs },
    );
  }

  save(key: string, checkpoint: Checkpoint): Promise<void> {
    this.entries.set(key, {
      offset: checkpoint.offset,
      snapshot: Buffer.from(checkpoint.snapshot),
      savedAtMs: checkpoint.savedAtMs,
    });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  /** Saved keys (for tests). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
