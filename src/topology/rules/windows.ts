// Rules about windows and event-time settings.
import { formatDuration } from '../duration.js';
import { eventTimeMs, ms, windowName } from '../model.js';
import { pointer } from '../source.js';
import type { LintRule } from './rule.js';

function show(valueMs: number): string {
  return `${valueMs} = ${formatDuration(valueMs)}`;
}

export const windowSizesPositive: LintRule = {
  name: 'window-sizes-positive',
  severity: 'error',
  summary: 'Tumbling and hopping windows have `size` > 0 and hopping windows `advance` > 0.',
  check({ doc, report }) {
    doc.windows.forEach((w, i) => {
      if (w.kind === 'shift') return;
      if (ms(w.size) <= 0)
        report(pointer('windows', i, 'size'), `window '${windowName(w)}': expected sizeMs > 0, found ${ms(w.size)}`);
      if (w.kind === 'hopping' && ms(w.advance) <= 0)
        report(
          pointer('windows', i, 'advance'),
          `window '${windowName(w)}': expected advanceMs > 0, found ${ms(w.advance)}`,
        );
    });
  },
};

export const hoppingAdvanceDividesSize: LintRule = {
  name: 'hopping-advance-divides-size',
  severity: 'error',
  summary:
    'A hopping window advances by less than its size and by an ' +
    'exact divisor of it (each instant is in size/advance windows).',
  check({ doc, report }) {
    doc.windows.forEach((w, i) => {
      if (w.kind !== 'hopping') return;
      const size = ms(w.size);
      const advance = ms(w.advance);
      if (size <= 0 || advance <= 0) return; // window-sizes-positive
      if (advance >= size) {
        report(
          pointer('windows', i, 'advance'),
          `window '${windowName(w)}': expected advanceMs (${show(advance)}) smaller ` +
            `than sizeMs (${show(size)}); use kind: tumbling for advance = size`,
        );
      } else if (size % advance !== 0) {
        report(
          pointer('windows', i, 'advance'),
          `window '${windowName(w)}': expected advanceMs (${show(advance)}) to ` +
            `divide sizeMs (${show(size)}), found a remainder of ${size % advance} ms`,
        );
      }
    });
  },
};

export const graceLtSmallestWindow: LintRule = {
  name: 'grace-lt-smallest-window',
  severity: 'error',
  summary: '`eventTime.grace` is smaller than every tumbling and hopping window size (else windows pile up open).',
  check({ doc, report }) {
    const { graceMs } = eventTimeMs(doc);
    doc.windows.forEach((w, i) => {
      if (w.kind === 'shift') return;
      const size = ms(w.size);
      if (size > 0 && graceMs >= size) {
        report(
          pointer('windows', i),
          `graceMs (${graceMs}) must be smaller than sizeMs (${size}) of window '${windowName(w)}': ` +
            `expected grace < ${formatDuration(size)}, found ${formatDuration(graceMs)}`,
        );
      }
    });
  },
};

export const uniqueWindowNames: LintRule = {
  name: 'unique-window-names',
  severity: 'error',
  summary: 'Window names (given or derived: `1m`, `1h-every-15m`, `shift`) are unique; they key the summaries.',
  check({ doc, report }) {
    const seen = new Map<string, number>();
    doc.windows.forEach((w, i) => {
      const name = windowName(w);
      const first = seen.get(name);
      if (first !== undefined)
        report(
          pointer('windows', i),
          `window name '${name}' is also the name of /windows/${first}: ` +
            `expected unique names, found a second '${name}' (set 'name')`,
        );
      else seen.set(name, i);
    });
  },
};

export const shiftWindowMatchesCalendar: LintRule = {
  name: 'shift-window-matches-calendar',
  severity: 'error',
  summary:
    'A `kind: shift` window needs shifts in the calendar (error); a calendar ' +
    'with shifts but no shift window computes no shift summaries (warning).',
  check({ doc, report }) {
    const hasShifts = doc.calendar.shifts.length > 0 || (doc.calendar.overrides ?? []).some((o) => o.shifts.length > 0);
    const shiftWindow = doc.windows.findIndex((w) => w.kind === 'shift');
    if (shiftWindow >= 0 && !hasShifts) {
      report(
        pointer('windows', shiftWindow),
        `window '${windowName(doc.windows[shiftWindow] ?? { kind: 'shift' })}' ` +
          `is a shift window: expected shifts under calendar.shifts, found none`,
      );
    } else if (shiftWindow < 0 && hasShifts) {
      report(
        pointer('windows'),
        `the calendar declares shifts but no window has kind 'shift': ` +
          `expected '- { kind: shift }' to compute shift summaries, found none`,
        { severity: 'warning' },
      );
    }
  },
};

export const timeoutsPositive: LintRule = {
  name: 'timeouts-positive',
  severity: 'error',
  summary:
    'silenceTimeout, idleTimeout, validation.maxFuture, validation.maxPast, idealCycleTime ' +
    'and orders.loadTimeout are > 0 (grace, outOfOrderness and amendmentHorizon may be 0).',
  check({ doc, report }) {
    const check = (path: string, what: string, value: string | number | undefined): void => {
      if (value !== undefined && ms(value) <= 0)
        report(path, `${what}: expected a duration > 0, found ${JSON.stringify(value)}`);
    };
    check(pointer('eventTime', 'silenceTimeout'), 'silenceTimeout', doc.eventTime?.silenceTimeout);
    check(pointer('eventTime', 'idleTimeout'), 'idleTimeout', doc.eventTime?.idleTimeout);
    check(pointer('validation', 'maxFuture'), 'maxFuture', doc.validation?.maxFuture);
    check(pointer('validation', 'maxPast'), 'maxPast', doc.validation?.maxPast);
    for (const [id, m] of Object.entries(doc.machines))
      check(pointer('machines', id, 'silenceTimeout'), `machine '${id}' silenceTimeout`, m.silenceTimeout);
    for (const [id, w] of Object.entries(doc.workCenters))
      check(pointer('workCenters', id, 'idealCycleTime'), `work center '${id}' idealCycleTime`, w.idealCycleTime);
    check(pointer('orders', 'loadTimeout'), 'orders.loadTimeout', doc.orders?.loadTimeout);
  },
};
