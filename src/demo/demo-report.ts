// The demo's HTML shift report (out/report.html): the renderer of `shiftstream report`, fed with
// the shift summaries as they close. Only whole shifts are shown: the shift in progress when the
// simulation starts has data for its last minutes only.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTimeZone } from '../core/time-zone.js';
import type { OrderSummary, WindowSummary } from '../core/types.js';
import { OrderSummaryCollector } from '../report/order-table.js';
import { ShiftSummaryCollector } from '../report/read-summaries.js';
import { renderReport } from '../report/render-html.js';
import type { TopologyPlan } from '../topology/types.js';

export const REPORT_FILE = 'report.html';

export interface DemoReport {
  /** Where the report goes: `<outDir>/report.html`. */
  readonly path: string;
  /** Takes a decoded summary of the shift-summary topic (final or not, any revision). */
  add(summary: WindowSummary): void;
  /** Takes a decoded order summary (semantics section 11) for the per-order table. */
  addOrder(order: OrderSummary): void;
  /** Whole shifts with a summary, ascending by start, with the work centers that have one. */
  shifts(): { readonly shiftId: string; readonly workCenters: ReadonlySet<string> }[];
  /** Writes the report when a summary was added since the last write; returns whether it wrote. */
  writeIfChanged(): Promise<boolean>;
  /** Removes a report left by an earlier run in the same directory. */
  clear(): Promise<void>;
}

export function createDemoReport(o: {
  readonly topology: TopologyPlan;
  readonly outDir: string;
  /** Shifts that start before this instant are not whole: left out. */
  readonly wholeFromMs: number;
}): DemoReport {
  const path = join(o.outDir, REPORT_FILE);
  const collector = new ShiftSummaryCollector();
  const orders = new OrderSummaryCollector();
  const zone = createTimeZone(o.topology.plant.timeZone);
  let dirty = false;
  let written = 0;
  const whole = (): WindowSummary[] => collector.summaries().filter((s) => s.startMs >= o.wholeFromMs);
  return {
    path,
    add(summary) {
      if (summary.windowKind !== 'shift' || summary.startMs < o.wholeFromMs) return;
      collector.add(summary);
      dirty = true;
    },
    addOrder(order) {
      if (order.startMs < o.wholeFromMs) return;
      orders.add(order);
      dirty = true;
    },
    shifts() {
      const byShift = new Map<string, { startMs: number; workCenters: Set<string> }>();
      for (const s of whole()) {
        const entry = byShift.get(s.windowId) ?? { startMs: s.startMs, workCenters: new Set<string>() };
        entry.workCenters.add(s.workCenterId);
        byShift.set(s.windowId, entry);
      }
      return [...byShift.entries()]
        .sort((a, b) => a[1].startMs - b[1].startMs)
        .map(([shiftId, e]) => ({ shiftId, workCenters: e.workCenters }));
    },
    async writeIfChanged() {
      if (!dirty) return false;
      const summaries = whole();
      if (summaries.length === 0) return false;
      dirty = false;
      const html = renderReport(summaries, { source: 'shiftstream demo', timeZone: zone, orders: orders.summaries() });
      // Written aside and renamed: a browser reloading the page never reads half a file.
      const tmp = `${path}.${process.pid}.${++written}.tmp`;
      await writeFile(tmp, html, 'utf8');
      await rename(tmp, path);
      return true;
    },
    clear: () => rm(path, { force: true }),
  };
}
