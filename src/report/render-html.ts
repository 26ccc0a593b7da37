// Renders the shift report: one self-contained HTML page (inline CSS and SVG, no script, no
// external asset) with, per plant and shift instance, a state timeline per work center, downtime
// by reason, counts and OEE components. All text from the input is escaped.
//
// Stable hooks for tests and for people who scrape the page: each shift is
// `<section class="shift" data-plant="..." data-shift="...">`, each timeline is
// `<svg class="timeline" data-work-center="...">`, each interval `<rect class="iv iv-<category>">`.
import {
  STATE_CATEGORIES,
  type OrderSummary,
  type StateCategory,
  type StateInterval,
  type WindowSummary,
} from '../core/types.js';
import type { TimeZone } from '../core/time-zone.js';
import { esc, fmtCount, fmtDuration, fmtDurationExact, fmtRatio, slug } from './format.js';
import { hhmm, hhmmss, hourTicks, localClockFor, localDay, type LocalClock } from './local-time.js';
import { downtimeByReason, groupSummaries, timeByCategory, type PlantGroup, type ShiftGroup } from './model.js';
import { renderOrderTable } from './order-table.js';
import { REPORT_CSS } from './style.js';

export const CATEGORY_LABELS: Readonly<Record<StateCategory, string>> = {
  running: 'Running',
  idle: 'Idle',
  setup: 'Setup',
  planned_stop: 'Planned stop',
  down: 'Down',
  unknown: 'Unknown',
};

export interface RenderOptions {
  /** Shown in the header (e.g. the input file name). */
  readonly source?: string;
  readonly title?: string;
  /** IANA zone for local times; default: taken from the summaries' offsets (see local-time.ts). */
  readonly timeZone?: TimeZone;
  /** Order summaries (last revisions, e.g. from OrderSummaryCollector): a per-order table per shift. */
  readonly orders?: readonly OrderSummary[];
}

const VIEW_W = 1000;

function pos(t: number, shift: ShiftGroup): number {
  return ((t - shift.startMs) / (shift.endMs - shift.startMs)) * VIEW_W;
}

function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function intervalTitle(iv: StateInterval, clock: LocalClock): string {
  const what = iv.category === 'down' ? `Down: ${iv.reason ?? 'unspecified'}` : CATEGORY_LABELS[iv.category];
  return (
    `${what}\n${hhmmss(clock.toLocalMs(iv.startMs))} to ` +
    `${hhmmss(clock.toLocalMs(iv.endMs))} (${fmtDurationExact(iv.endMs - iv.startMs)})`
  );
}

function renderTimeline(wc: WindowSummary, shift: ShiftGroup, clock: LocalClock, ticks: readonly number[]): string {
  const rects = wc.intervals
    .filter((iv) => iv.endMs > iv.startMs)
    .map((iv) => {
      const x = pos(Math.max(iv.startMs, shift.startMs), shift);
      const w = Math.max(pos(Math.min(iv.endMs, shift.endMs), shift) - x, 0.5);
      const reason = iv.reason === null ? '' : ` data-reason="${esc(iv.reason)}"`;
      return (
        `<rect class="iv iv-${iv.category}" x="${num(x)}" y="0" width="${num(w)}" ` +
        `height="32"${reason}><title>${esc(intervalTitle(iv, clock))}</title></rect>`
      );
    })
    .join('');
  // A hairline between two adjacent down intervals, so that a change of reason stays visible.
  const seps = wc.intervals
    .filter(
      (iv, i) =>
        i > 0 && iv.category === 'down' && wc.intervals[i - 1]!.category === 'down' && iv.startMs > shift.startMs,
    )
    .map(
      (iv) =>
        `<line class="sep" x1="${num(pos(iv.startMs, shift))}" x2="${num(pos(iv.startMs, shift))}" y1="0" y2="32"/>`,
    )
    .join('');
  const grid = ticks
    .map((t) => `<line class="grid" x1="${num(pos(t, shift))}" x2="${num(pos(t, shift))}" y1="0" y2="32"/>`)
    .join('');
  const empty =
    wc.intervals.length === 0
      ? `<rect class="iv iv-unknown" x="0" y="0" width="${VIEW_W}" height="32">` +
        `<title>No intervals in this summary</title></rect>`
      : '';
  return (
    `<svg class="timeline" data-work-center="${esc(wc.workCenterId)}" ` +
    `viewBox="0 0 ${VIEW_W} 32" preserveAspectRatio="none" role="img" ` +
    `aria-label="State timeline of ${esc(wc.workCenterId)}">${empty}${rects}${seps}${grid}</svg>`
  );
}

function renderAxis(shift: ShiftGroup, clock: LocalClock, ticks: readonly number[]): string {
  const step = Math.max(1, Math.ceil(ticks.length / 13));
  return ticks
    .filter((_, i) => i % step === 0)
    .map((t) => {
      const pct = pos(t, shift) / 10;
      const edge = pct < 3 ? ' class="edge-l"' : pct > 97 ? ' class="edge-r"' : '';
      return `<span${edge} style="left:${num(pct)}%">${esc(hhmm(clock.toLocalMs(t)))}</span>`;
    })
    .join('');
}

function renderLegend(): string {
  return (
    `<ul class="legend">` +
    `${STATE_CATEGORIES.map((c) => `<li><i class="sw sw-${c}"></i>${esc(CATEGORY_LABELS[c])}</li>`).join('')}` +
    `</ul>`
  );
}

function shareBar(wc: WindowSummary): string {
  const parts = STATE_CATEGORIES.filter((c) => (wc.timeByCategory[c] ?? 0) > 0).map((c) => {
    const share = (wc.timeByCategory[c] / wc.lengthMs) * 100;
    return `${CATEGORY_LABELS[c]} ${share.toFixed(0)} %`;
  });
  return parts.join(' · ');
}

function renderTimelines(shift: ShiftGroup, clock: LocalClock): string {
  const ticks = hourTicks(clock, shift.startMs, shift.endMs);
  const rows = shift.workCenters
    .map(
      (wc) =>
        `<div class="tl-row"><div class="tl-name" title="${esc(shareBar(wc))}">${esc(wc.workCenterId)}</div>` +
        `<div class="tl-bar">${renderTimeline(wc, shift, clock, ticks)}</div>` +
        `<div class="tl-side"><b>${esc(fmtRatio(wc.lengthMs > 0 ? wc.runtimeMs / wc.lengthMs : null))}</b>` +
        ` running<br>${esc(fmtDuration(wc.downtimeMs))} down</div></div>`,
    )
    .join('');
  return (
    `<div class="card"><div class="card-head"><h3>State timeline</h3>${renderLegend()}</div>` +
    `<div class="timelines"><div class="tl-row tl-axis-row"><div class="tl-name"></div>` +
    `<div class="tl-axis">${renderAxis(shift, clock, ticks)}</div><div class="tl-side"></div></div>` +
    `${rows}</div></div>`
  );
}

function renderReasons(shift: ShiftGroup): string {
  const reasons = downtimeByReason(shift);
  if (reasons.length === 0)
    return (
      `<div class="card"><h3>Downtime by reason</h3><p class="empty">` +
      `No unplanned downtime in this shift.</p></div>`
    );
  const total = reasons.reduce((a, r) => a + r.totalMs, 0);
  const max = reasons[0]!.totalMs;
  const rows = reasons
    .map((r) => {
      const title = r.byWorkCenter.map((w) => `${w.workCenterId}: ${fmtDurationExact(w.ms)}`).join('\n');
      return (
        `<div class="bar-row" title="${esc(title)}"><div class="bar-label">${esc(r.reason)}</div>` +
        `<div class="bar-track"><div class="bar" style="width:${num((r.totalMs / max) * 100)}%"></div></div>` +
        `<div class="bar-value">${esc(fmtDuration(r.totalMs))} <span class="muted">` +
        `${((r.totalMs / total) * 100).toFixed(0)} %</span></div></div>`
      );
    })
    .join('');
  return (
    `<div class="card"><div class="card-head"><h3>Downtime by reason</h3><span class="muted">` +
    `${esc(fmtDuration(total))} in total, all work centers</span>` +
    `</div><div class="bar-chart">${rows}</div></div>`
  );
}

function renderStates(shift: ShiftGroup): string {
  const cats = timeByCategory(shift);
  const total = STATE_CATEGORIES.reduce((a, c) => a + cats[c], 0);
  const rows = STATE_CATEGORIES.map((c) => {
    const share = total > 0 ? (cats[c] / total) * 100 : 0;
    return (
      `<div class="bar-row"><div class="bar-label"><i class="sw sw-${c}"></i>${esc(CATEGORY_LABELS[c])}</div>` +
      `<div class="bar-track"><div class="bar bar-${c}" style="width:${num(share)}%"></div></div>` +
      `<div class="bar-value">${esc(fmtDuration(cats[c]))} <span class="muted">${share.toFixed(0)} %</span></div></div>`
    );
  }).join('');
  return (
    `<div class="card"><div class="card-head"><h3>Time by state</h3><span class="muted">` +
    `sum over work centers</span></div><div class="bar-chart">${rows}</div></div>`
  );
}

function ratioCell(r: number | null, why: string): string {
  if (r === null) return `<td class="num na" title="${esc(why)}">n/a</td>`;
  const pct = Math.max(0, Math.min(r, 1)) * 100;
  return (
    `<td class="num ratio"><span>${esc(fmtRatio(r))}</span>` +
    `<i class="meter"><b style="width:${num(pct)}%"></b></i></td>`
  );
}

function otherCounts(wc: WindowSummary): string {
  const entries = Object.entries(wc.counts).filter(([k]) => k !== 'good' && k !== 'scrap');
  // Inspections (semantics section 9.4); summaries written before they existed have none.
  const passed = wc.inspectionsPassed ?? 0;
  const failed = wc.inspectionsFailed ?? 0;
  if (passed + failed > 0) entries.push(['inspections passed', passed], ['inspections failed', failed]);
  if (entries.length === 0) return '<span class="muted">none</span>';
  return entries.map(([k, v]) => `${esc(k)} <b>${esc(fmtCount(v))}</b>`).join('<br>');
}

function renderTable(shift: ShiftGroup): string {
  const rows = shift.workCenters
    .map((wc) => {
      const status = wc.final ? (wc.revision > 1 ? `final, revision ${wc.revision}` : 'final') : 'partial';
      return (
        `<tr data-work-center="${esc(wc.workCenterId)}"><th scope="row">${esc(wc.workCenterId)}</th>` +
        `<td class="num">${esc(fmtDuration(wc.plannedMs))}</td>` +
        `<td class="num">${esc(fmtDuration(wc.runtimeMs))}</td>` +
        `<td class="num">${esc(fmtDuration(wc.downtimeMs))}</td>` +
        `<td class="num">${esc(fmtCount(wc.goodCount))}</td>` +
        `<td class="num">${esc(fmtCount(wc.scrapCount))}</td><td class="others">${otherCounts(wc)}</td>` +
        ratioCell(wc.availability, 'No planned time in this shift') +
        ratioCell(
          wc.performance,
          wc.idealCycleTimeMs === null ? 'No ideal cycle time in the topology' : 'No runtime in this shift',
        ) +
        ratioCell(wc.quality, 'No good or scrap count in this shift') +
        ratioCell(wc.oee, 'A component is n/a') +
        `<td class="status ${wc.final ? '' : 'partial'}">${esc(status)}</td></tr>`
      );
    })
    .join('');
  return (
    `<div class="card"><h3>Counts and OEE</h3><div class="table-wrap"><table class="figures"><thead><tr>` +
    `<th>Work center</th><th class="num">Planned</th><th class="num">Runtime</th>` +
    `<th class="num">Downtime</th><th class="num">Good</th><th class="num">Scrap</th><th>Other counts</th>` +
    `<th class="num">Availability</th><th class="num">Performance</th><th class="num">Quality</th>` +
    `<th class="num">OEE</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    `<p class="foot">Availability = runtime / planned time; performance = ideal cycle ` +
    `time × total count / runtime; quality = good / (good + scrap); OEE = their product. ` +
    `n/a: the ratio's denominator is zero or no ideal cycle time is set.</p></div>`
  );
}

function renderTiles(shift: ShiftGroup): string {
  const sum = (f: (w: WindowSummary) => number): number => shift.workCenters.reduce((a, w) => a + f(w), 0);
  const planned = sum((w) => w.plannedMs);
  const runtime = sum((w) => w.runtimeMs);
  const cats = timeByCategory(shift);
  const good = sum((w) => w.goodCount);
  const scrap = sum((w) => w.scrapCount);
  const tiles: Array<[string, string, string]> = [
    [
      'Runtime',
      fmtDuration(runtime),
      planned > 0 ? `${fmtRatio(runtime / planned)} of planned time` : 'no planned time',
    ],
    ['Downtime', fmtDuration(cats.down), `${downtimeByReason(shift).length} reasons`],
    ['Setup', fmtDuration(cats.setup), `idle ${fmtDuration(cats.idle)}`],
    ['Good', fmtCount(good), good + scrap > 0 ? `${fmtRatio(good / (good + scrap))} first-pass` : 'no counts'],
    ['Scrap', fmtCount(scrap), `${shift.workCenters.length} work centers`],
  ];
  return (
    `<div class="tiles">` +
    `${tiles
      .map(
        ([k, v, sub]) =>
          `<div class="tile"><div class="tile-k">${esc(k)}</div><div class="tile-v">` +
          `${esc(v)}</div><div class="tile-s">${esc(sub)}</div></div>`,
      )
      .join('')}</div>`
  );
}

function shiftAnchor(shift: ShiftGroup): string {
  return `shift-${slug(shift.plantId)}-${slug(shift.windowId)}`;
}

function renderShift(shift: ShiftGroup, options: RenderOptions): string {
  const clock = localClockFor(shift, options.timeZone);
  const a = clock.toLocalMs(shift.startMs);
  const b = clock.toLocalMs(shift.endMs);
  const sameOffset = clock.offsetLabel(shift.startMs) === clock.offsetLabel(shift.endMs);
  const when =
    `${localDay(a)} ${hhmm(a)} to ${localDay(b) === localDay(a) ? '' : `${localDay(b)} `}${hhmm(b)} ` +
    (sameOffset
      ? `(${clock.offsetLabel(shift.startMs)})`
      : `(${clock.offsetLabel(shift.startMs)} to ${clock.offsetLabel(shift.endMs)}: the clocks changed)`);
  const note = clock.note === undefined ? '' : `<p class="note">${esc(clock.note)}</p>`;
  const partial = shift.workCenters.some((w) => !w.final) ? '<span class="badge partial">partial</span>' : '';
  const title =
    shift.shiftName === null
      ? shift.windowId
      : `${shift.shiftName.charAt(0).toUpperCase()}${shift.shiftName.slice(1)} shift`;
  return (
    `<section class="shift" id="${esc(shiftAnchor(shift))}" ` +
    `data-plant="${esc(shift.plantId)}" data-shift="${esc(shift.windowId)}">` +
    `<header class="shift-head"><div><h2>${esc(title)} ` +
    `<span class="shift-id">${esc(shift.windowId)}</span>${partial}</h2>` +
    `<p class="when">${esc(when)} · ${esc(fmtDuration(shift.endMs - shift.startMs))}</p></div></header>${note}` +
    renderTiles(shift) +
    renderTimelines(shift, clock) +
    `<div class="grid2">${renderReasons(shift)}${renderStates(shift)}</div>` +
    renderTable(shift) +
    renderOrderTable(options.orders ?? [], shift.plantId, shift.windowId) +
    `</section>`
  );
}

function renderNav(plants: readonly PlantGroup[]): string {
  const items = plants
    .map(
      (p) =>
        `<li><b>${esc(p.plantId)}</b>` +
        ` ${p.shifts.map((s) => `<a href="#${esc(shiftAnchor(s))}">${esc(s.windowId)}</a>`).join(' ')}</li>`,
    )
    .join('');
  return `<nav class="toc"><ul>${items}</ul></nav>`;
}

export function renderReport(summaries: readonly WindowSummary[], options: RenderOptions = {}): string {
  const plants = groupSummaries(summaries);
  const shiftCount = plants.reduce((a, p) => a + p.shifts.length, 0);
  const title = options.title ?? (plants.length === 1 ? `Shift report: ${plants[0]!.plantId}` : 'Shift report');
  const body = plants
    .map(
      (p) =>
        `<section class="plant" data-plant="${esc(p.plantId)}"><h1 class="plant-name">` +
        `Plant ${esc(p.plantId)}</h1>${p.shifts.map((s) => renderShift(s, options)).join('')}</section>`,
    )
    .join('');
  const source = options.source === undefined ? '' : ` from <code>${esc(options.source)}</code>`;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body>` +
    `<header class="page-head"><div class="brand">shiftstream</div><h1>${esc(title)}</h1>` +
    `<p class="muted">${plants.length} plant${plants.length === 1 ? '' : 's'}, ` +
    `${shiftCount} shift${shiftCount === 1 ? '' : 's'}${source}. ` +
    `Local plant times; hover a bar for its reason and duration.</p></header>` +
    (shiftCount > 1 ? renderNav(plants) : '') +
    `<main>${body}</main></body></html>\n`
  );
}
