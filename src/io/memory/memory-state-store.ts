// StateStore in a Map, for tests and the demo. Checkpoints are copied in and out, so a caller
// mutating its buffer afterwards cannot change what was saved.
import type { Checkpoint, CheckpointChain, StateStore } from '../../ports/state-store.js';

interface Entry {
  readonly base: Checkpoint;
  readonly deltas: Checkpoint[];
  /** Chain id (unique per base written); undefined: a plain `save`, not extendable. */
  readonly chain: number | undefined;
}

const copy = (c: Checkpoint): Checkpoint => ({
  offset: c.offset,
  snapshot: Buffer.from(c.snapshot),
  savedAtMs: c.savedAtMs,
});

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private chains = 0;

  load(key: string): Promise<Checkpoint | undefined> {
    const e = this.entries.get(key);
    return Promise.resolve(e === undefined ? undefined : copy(e.base));
  }

  save(key: string, checkpoint: Checkpoint): Promise<void> {
    this.entries.set(key, { base: copy(checkpoint), deltas: [], chain: undefined });
    return Promise.resolve();
  }

  loadChain(key: string): Promise<CheckpointChain | undefined> {
    const e = this.entries.get(key);
    if (e === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      base: copy(e.base),
      deltas: e.deltas.map(copy),
      token: e.chain === undefined ? undefined : `${e.chain}:${e.deltas.length}`,
    });
  }

  saveBase(key: string, base: Checkpoint): Promise<string> {
    const chain = ++this.chains;
    this.entries.set(key, { base: copy(base), deltas: [], chain });
    return Promise.resolve(`${chain}:0`);
  }

  append(key: string, delta: Checkpoint, token: string): Promise<string | undefined> {
    const e = this.entries.get(key);
    if (e?.chain === undefined || `${e.chain}:${e.deltas.length}` !== token) return Promise.resolve(undefined);
    e.deltas.push(copy(delta));
    return Promise.resolve(`${e.chain}:${e.deltas.length}`);
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
