// Watermark alignment across the upstream partitions that feed one windowed input (Flink's
// rule): the input's watermark is the minimum over its sources of (highest ts - bound). Sources
// report progress with in-band `watermark` markers. Without it, an input fed by several raw
// partitions read at different speeds (any backfill, any pre-loaded topic) would run its
// watermark ahead on the fastest one and turn the others' samples late.
//
// Pure: the wall clock (live runs only) is passed in. In live runs a source that has reported
// nothing for the idle timeout stops holding the watermark back (Flink's `withIdleness`).

export interface AlignedWatermarkSnapshot {
  readonly expected: number;
  readonly sources: readonly (readonly [string, number])[];
}

/**
 * A source that holds an aligned watermark back: one that was expected but has sent no marker yet
 * (`source` is its id when it can be told from the others', `<topic>/<partition>`), or one whose
 * highest ts is behind the most advanced source's by more than the out-of-orderness bound.
 */
export type HoldBack =
  | { readonly reason: 'no-record'; readonly source: string | undefined }
  | { readonly reason: 'behind'; readonly source: string; readonly behindMs: number; readonly maxTsMs: number };

export class AlignedWatermark {
  private readonly sources = new Map<string, { maxTsMs: number; lastWallMs: number | undefined }>();
  private expected = 0;
  private startWallMs: number | undefined;

  constructor(
    private readonly boundMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** A marker: source `sourceId` (one of `sourceCount`) has seen event times up to `maxTsMs`. */
  observe(sourceId: string, maxTsMs: number, sourceCount: number, nowMs?: number): void {
    if (sourceCount > this.expected) this.expected = sourceCount;
    const s = this.sources.get(sourceId);
    if (s === undefined) this.sources.set(sourceId, { maxTsMs, lastWallMs: nowMs });
    else {
      if (maxTsMs > s.maxTsMs) s.maxTsMs = maxTsMs;
      if (nowMs !== undefined) s.lastWallMs = nowMs;
    }
    if (this.startWallMs === undefined && nowMs !== undefined) this.startWallMs = nowMs;
  }

  /**
   * The aligned watermark; -Infinity while a source is missing. With `nowMs` (live runs), sources
   * silent for the idle timeout, and missing ones once the idle timeout has passed since the
   * first marker, are left out.
   */
  current(nowMs?: number): number {
    let min = Infinity;
    let active = 0;
    if (nowMs !== undefined && this.startWallMs === undefined && this.sources.size > 0) this.startWallMs = nowMs;
    for (const s of this.sources.values()) {
      // A restored source counts as heard from at the first live look after the restart.
      if (nowMs !== undefined && s.lastWallMs === undefined) s.lastWallMs = nowMs;
      if (nowMs !== undefined && s.lastWallMs !== undefined && nowMs - s.lastWallMs >= this.idleTimeoutMs) continue;
      active++;
      if (s.maxTsMs < min) min = s.maxTsMs;
    }
    const missing = this.expected - this.sources.size;
    if (missing > 0) {
      const waited =
        nowMs !== undefined && this.startWallMs !== undefined && nowMs - this.startWallMs >= this.idleTimeoutMs;
      if (!waited) return -Infinity;
    }
    if (active === 0) return -Infinity;
    return min - this.boundMs;
  }

  /**
   * Which sources hold the watermark back now, and why (pure: reads no clock, changes nothing).
   * `nowMs` as for `current`: in live runs, sources left out as idle hold nothing back.
   */
  holdBack(nowMs?: number): HoldBack[] {
    const out: HoldBack[] = [];
    const missing = this.expected - this.sources.size;
    const waited =
      nowMs !== undefined && this.startWallMs !== undefined && nowMs - this.startWallMs >= this.idleTimeoutMs;
    if (missing > 0 && !waited) {
      // Source ids are `<topic>/<partition>` of `expected` partitions: name the ones not heard from.
      const heard = new Map<string, Set<number>>();
      for (const id of this.sources.keys()) {
        const at = id.lastIndexOf('/');
        const n = Number(id.slice(at + 1));
        if (at < 0 || !Number.isInteger(n)) continue;
        const topic = id.slice(0, at);
        const set = heard.get(topic) ?? new Set<number>();
        set.add(n);
        heard.set(topic, set);
      }
      const named: string[] = [];
      if (heard.size === 1)
        for (const [topic, set] of heard)
          for (let n = 0; n < this.expected; n++) if (!set.has(n)) named.push(`${topic}/${n}`);
      if (named.length === missing) for (const source of named) out.push({ reason: 'no-record', source });
      else for (let i = 0; i < missing; i++) out.push({ reason: 'no-record', source: undefined });
    }
    const active = [...this.sources.entries()].filter(
      ([, s]) => nowMs === undefined || s.lastWallMs === undefined || nowMs - s.lastWallMs < this.idleTimeoutMs,
    );
    const lead = Math.max(...active.map(([, s]) => s.maxTsMs));
    for (const [source, s] of active.sort(([a], [b]) => (a < b ? -1 : 1)))
      if (lead - s.maxTsMs > this.boundMs)
        out.push({ reason: 'behind', source, behindMs: lead - s.maxTsMs, maxTsMs: s.maxTsMs });
    return out;
  }

  snapshot(): AlignedWatermarkSnapshot {
    return {
      expected: this.expected,
      sources: [...this.sources.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, v.maxTsMs] as const),
    };
  }

  static restore(boundMs: number, idleTimeoutMs: number, snap: AlignedWatermarkSnapshot): AlignedWatermark {
    const w = new AlignedWatermark(boundMs, idleTimeoutMs);
    w.expected = snap.expected;
    for (const [id, ts] of snap.sources) w.sources.set(id, { maxTsMs: ts, lastWallMs: undefined });
    return w;
  }
}
