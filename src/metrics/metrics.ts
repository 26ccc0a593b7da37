// The metrics port: what the engine and the adapters call. It names metrics from the catalog, so a
// typo or a wrong label set is a compile error, and nothing outside src/metrics imports prom-client.
//
// Two ways to record:
// - `inc` / `set` / `observe` with labels: for once-per-batch or once-per-window calls;
// - `counter` / `gauge` / `histogram` return a handle bound to a label set: for hot paths (the
//   label lookup is done once, each call is then a field update). Keep handles, do not bind per event.
import type { CounterName, GaugeName, HistogramName, LabelsOf } from './catalog.js';

export interface BoundCounter {
  inc(value?: number): void;
}
export interface BoundGauge {
  set(value: number): void;
}
export interface BoundHistogram {
  observe(value: number): void;
}

export interface Metrics {
  inc<N extends CounterName>(name: N, labels: LabelsOf<N>, value?: number): void;
  set<N extends GaugeName>(name: N, labels: LabelsOf<N>, value: number): void;
  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, value: number): void;
  counter<N extends CounterName>(name: N, labels: LabelsOf<N>): BoundCounter;
  gauge<N extends GaugeName>(name: N, labels: LabelsOf<N>): BoundGauge;
  histogram<N extends HistogramName>(name: N, labels: LabelsOf<N>): BoundHistogram;
}

/** What the HTTP server needs to serve `/metrics`. */
export interface MetricsExposition {
  /** The Prometheus text exposition format of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

const NOOP_COUNTER: BoundCounter = { inc() {} };
const NOOP_GAUGE: BoundGauge = { set() {} };
const NOOP_HISTOGRAM: BoundHistogram = { observe() {} };

/** Records nothing: for tests and tools that run without a metrics endpoint (replay, report). */
export function createNoopMetrics(): Metrics {
  return {
    inc() {},
    set() {},
    observe() {},
    counter: () => NOOP_COUNTER,
    gauge: () => NOOP_GAUGE,
    histogram: () => NOOP_HISTOGRAM,
  };
}
