// The progress line of a replay on stderr: only when stderr is a terminal, at most ~10 times a
// second, redrawn in place (`\r` + clear to end of line).
import type { Writable } from 'node:stream';

export interface ProgressState {
  readonly samples: number;
  readonly bytesRead: number;
  /** undefined when the input's size is unknown (stdin). */
  readonly sizeBytes: number | undefined;
  readonly elapsedMs: number;
}

const BAR_WIDTH = 24;

/** `1.2M`, `312k`, `950`. */
export function compactCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** `0:07`, `12:34`, `1:02:03`. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line (no control characters). ETA from bytes read against the file size. */
export function formatProgress(p: ProgressState, label = 'replay'): string {
  const rate = p.elapsedMs > 0 ? (p.samples * 1000) / p.elapsedMs : 0;
  const parts = [label];
  if (p.sizeBytes !== undefined && p.sizeBytes > 0) {
    const frac = Math.min(1, p.bytesRead / p.sizeBytes);
    const filled = Math.round(frac * BAR_WIDTH);
    parts.push(
      `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`,
      `${String(Math.floor(frac * 100)).padStart(3)}%`,
    );
    const eta = frac > 0 && p.elapsedMs > 500 ? (p.elapsedMs * (1 - frac)) / frac : undefined;
    parts.push(
      `${compactCount(p.samples)} samples`,
      `${compactCount(rate)}/s`,
      `ETA ${eta === undefined ? '--:--' : formatClock(eta)}`,
    );
  } else {
    parts.push(
      `${compactCount(p.samples)} samples`,
      `${compactCount(p.bytesRead)}B read`,
      `${compactCount(rate)}/s`,
      formatClock(p.elapsedMs),
    );
  }
  return parts.join('  ');
}

export class ProgressLine {
  private lastDrawMs = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly enabled: boolean,
    private readonly intervalMs = 100,
    /** The command the line belongs to (`replay`, `ingest`). */
    private readonly label = 'replay',
  ) {}

  /** Redraws when the interval has passed since the last draw. */
  update(nowMs: number, state: () => ProgressState): void {
    if (!this.enabled || nowMs - this.lastDrawMs < this.intervalMs) return;
    this.lastDrawMs = nowMs;
    this.stream.write(`\r${formatProgress(state(), this.label)}\x1b[K`);
    this.drawn = true;
  }

  /** Removes the line (before other stderr output, and at the end). */
  clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.lastDrawMs = -Infinity;
  }
}
