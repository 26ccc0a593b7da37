export { renderReport, CATEGORY_LABELS, type RenderOptions } from './render-html.js';
export {
  readShiftSummaries,
  checkSummary,
  ShiftSummaryCollector,
  summaryKey,
  type ReadResult,
  type LineProblem,
} from './read-summaries.js';
export { groupSummaries, downtimeByReason, type PlantGroup, type ShiftGroup, type ReasonTotal } from './model.js';
export { localClockFor, parseOffsetMs, hourTicks, type LocalClock } from './local-time.js';
export { CATEGORY_COLORS } from './style.js';
export { esc, fmtDuration, fmtDurationExact, fmtRatio, fmtCount } from './format.js';
export { OrderSummaryCollector, renderOrderTable } from './order-table.js';
