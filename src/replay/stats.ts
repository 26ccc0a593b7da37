// The counts of one replay, and its final line.
import { compactCount } from './progress.js';

export interface ReplayStats {
  /** Data lines (CSV records) read, header and blank lines excluded. */
  readonly samplesRead: number;
  /** Events the core applied (amended late samples included). */
  readonly applied: number;
  /** Exact duplicates (same tag, ts and value) applied once and counted here for the rest. */
  readonly duplicates: number;
  /** Milestone samples: valid, but not part of window figures. */
  readonly milestones: number;
  readonly rejected: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly lateAmended: number;
  readonly lateReportedOnly: number;
  readonly windowSummaries: number;
  readonly shiftSummaries: number;
  /** Summaries with revision > 1 (included in the two counts above). */
  readonly amendments: number;
  /** Summaries (window x work center) still open at the final watermark: not emitted. */
  readonly openWindows: number;
  readonly openByWindow: Readonly<Record<string, number>>;
  readonly maxTsMs: number | null;
  readonly watermarkMs: number | null;
  readonly flushed: boolean;
  readonly interrupted: boolean;
  readonly bytesRead: number;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
  readonly outDir: string;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/**
 * `replay: 1,000,000 samples read, 998,000 applied, 1,500 rejected (unknown-tag 1,000, ...),
 * 20 duplicates, 480 milestones, late 12 (10 amended, 2 reported only), 52,310 summaries emitted
 * (52,200 window, 110 shift, 3 amendments), 14 left open; 3.2 s, 312k samples/s, peak RSS 96 MB`
 */
export function formatFinalLine(s: ReplayStats): string {
  const reasons = Object.entries(s.rejectedByReason).map(([r, c]) => `${r} ${n(c)}`);
  const rate = s.elapsedMs > 0 ? (s.samplesRead * 1000) / s.elapsedMs : 0;
  const open =
    s.openWindows === 0
      ? '0 left open'
      : `${n(s.openWindows)} left open (${Object.entries(s.openByWindow)
          .filter(([, c]) => c > 0)
          .map(([w, c]) => `${w} ${n(c)}`)
          .join(', ')}${s.flushed ? '' : '; --flush closes them'})`;
  return [
    `replay${s.interrupted ? ' (interrupted)' : ''}: ${n(s.samplesRead)} samples read`,
    `${n(s.applied)} applied`,
    `${n(s.rejected)} rejected${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`,
    `${n(s.duplicates)} duplicates`,
    `${n(s.milestones)} milestones`,
    `late ${n(s.lateAmended + s.lateReportedOnly)} (${n(s.lateAmended)} ` +
      `amended, ${n(s.lateReportedOnly)} reported only)`,
    `${n(s.windowSummaries + s.shiftSummaries)} summaries emitted (${n(s.windowSummaries)} ` +
      `window, ${n(s.shiftSummaries)} shift, ${n(s.amendments)} amendments)`,
    `${open}; ${(s.elapsedMs / 1000).toFixed(1)} s, ${compactCount(rate)} ` +
      `samples/s, peak RSS ${Math.round(s.peakRssBytes / 1048576)} MB`,
  ].join(', ');
}
