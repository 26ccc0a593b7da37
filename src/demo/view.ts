// The demo's live terminal view (pure: state in, text out).
import type { MilestoneRecord } from '../core/milestones.js';
import type { StateCategory, WindowSummary } from '../core/types.js';
import type { TopologyPlan } from '../topology/types.js';

export interface ViewState {
  readonly plant: TopologyPlan;
  /** Where the NDJSON outputs and the report go (--out), as the user gave it. */
  readonly outDir: string;
  simNowMs: number;
  milestones: MilestoneRecord[];
  early: WindowSummary[];
  totals: { samples: number; windows: number; shifts: number; rejected: number };
  /** The HTML report, once a whole shift closed. */
  report?: { readonly path: string; readonly shifts: number };
}

const COLORS: Record<StateCategory, string> = {
  running: '\x1b[32m',
  idle: '\x1b[33m',
  setup: '\x1b[36m',
  planned_stop: '\x1b[34m',
  down: '\x1b[31m',
  unknown: '\x1b[90m',
};
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';

export function fmtDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, ' ')}h${String(m).padStart(2, '0')}m`;
}

function pct(x: number | null): string {
  return x === null ? '  n/a' : `${(x * 100).toFixed(1).padStart(5)}%`;
}

/** Per work center: the open shift's partial summary, else the longest open time window's. */
function pickRows(early: readonly WindowSummary[]): Map<string, WindowSummary> {
  const rows = new Map<string, WindowSummary>();
  for (const s of early) {
    const prev = rows.get(s.workCenterId);
    const better =
      prev === undefined ||
      (s.windowKind === 'shift' && prev.windowKind !== 'shift') ||
      (s.windowKind === prev.windowKind && s.lengthMs > prev.lengthMs);
    if (better) rows.set(s.workCenterId, s);
  }
  return rows;
}

export function renderView(v: ViewState, tty: boolean): string {
  const c = (code: string, text: string): string => (tty ? `${code}${text}${RESET}` : text);
  const zone = v.plant.plant.timeZone;
  const local = new Date(v.simNowMs).toLocaleString('sv-SE', { timeZone: zone }).slice(0, 16);
  const rows = pickRows(v.early);
  const lines: string[] = [];
  lines.push(
    c(BOLD, `shiftstream demo: ${v.plant.plantName ?? v.plant.plant.plantId} (${zone})   simulated time ${local}`),
  );
  lines.push(
    `samples ${v.totals.samples}  window summaries ${v.totals.windows}  shift summaries ` +
      `${v.totals.shifts}  rejected ${v.totals.rejected}   (Ctrl-C stops; results in ${v.outDir})`,
  );
  if (v.report !== undefined)
    lines.push(`report: ${v.report.path} (${v.report.shifts} whole shift${v.report.shifts === 1 ? '' : 's'})`);
  lines.push('');
  lines.push(
    `${'work center'.padEnd(16)} ${'state'.padEnd(26)} ${'window'.padEnd(22)} ${'runtime'.padStart(7)} ` +
      `${'downtime'.padStart(8)} ${'good'.padStart(7)} ${'scrap'.padStart(6)} ${'avail.'.padStart(6)}`,
  );
  for (const wcId of [...v.plant.plant.workCenters.keys()].sort()) {
    const s = rows.get(wcId);
    if (s === undefined) {
      lines.push(`${wcId.padEnd(16)} ${c(COLORS.unknown, 'no data yet')}`);
      continue;
    }
    const last = s.intervals[s.intervals.length - 1];
    const cat: StateCategory = last?.category ?? 'unknown';
    const state = `${cat}${last?.reason ? ` (${last.reason})` : ''}`.slice(0, 26).padEnd(26);
    lines.push(
      `${wcId.padEnd(16)} ${c(COLORS[cat], state)} ${s.windowId.slice(0, 22).padEnd(22)} ` +
        `${fmtDuration(s.runtimeMs).padStart(7)} ${fmtDuration(s.downtimeMs).padStart(8)} ` +
        `${String(Math.round(s.goodCount)).padStart(7)} ` +
        `${String(Math.round(s.scrapCount)).padStart(6)} ${pct(s.availability)}`,
    );
  }
  lines.push('');
  lines.push(c(BOLD, 'critical milestones'));
  for (const m of v.milestones.slice(-8)) {
    const at = new Date(m.tsMs).toLocaleString('sv-SE', { timeZone: zone }).slice(11, 19);
    const what = m.kind === 'machine_down' ? c(COLORS.down, `${m.kind} (${m.reason ?? 'unspecified'})`) : m.kind;
    const lot = m.material?.lot ? `  lot ${m.material.lot}` : '';
    lines.push(`  ${at}  ${m.workCenterId.padEnd(16)} ${what}${lot}${m.orderRef ? `  ${m.orderRef}` : ''}`);
  }
  const text = `${lines.join('\n')}\n`;
  return tty ? `\x1b[H\x1b[2J${text}` : `${lines[0]}  | ${lines[1]}\n`;
}
