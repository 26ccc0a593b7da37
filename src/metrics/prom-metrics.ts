// The Prometheus implementation of the metrics port, with prom-client in its own registry (never
// the global one, so several instances, e.g. in tests, do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  METRICS,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LabelsOf,
  type MetricName,
} from './catalog.js';
import type { BoundCounter, BoundGauge, BoundHistogram, Metrics, MetricsExposition } from './metrics.js';

export interface PromMetricsOptions {
  /** Labels added to every series, e.g. `{ plantId: 'stamping-berlin' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Also export Node process metrics (CPU, memory, event-loop lag, GC) with prefix `shiftstream_`. Default true. */
  readonly processMetrics?: boolean;
}

/** One recorded series, as read back by `PromMetrics.values` (tests, the demo's live view). */
export interface SeriesValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** Histograms: `_bucket`, `_sum` or `_count`; otherwise the metric name. */
  readonly metricName?: string;
}

type AnyLabels = Record<string, string>;

export class PromMetrics implements Metrics, MetricsExposition {
  readonly registry: Registry;
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(options: PromMetricsOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels !== undefined) this.registry.setDefaultLabels({ ...options.defaultLabels });
    for (const [name, def] of Object.entries(METRICS)) {
      const common = { name, help: def.help, labelNames: [...def.labelNames], registers: [this.registry] };
      if (def.type === 'counter') this.counters.set(name, new Counter(common));
      else if (def.type === 'gauge') this.gauges.set(name, new Gauge(common));
      else this.histograms.set(name, new Histogram({ ...common, buckets: [...def.buckets] }));
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'shiftstream_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  inc<N extends CounterName>(name: N, labels: LabelsOf<N>, value = 1): void {
    this.counterOf(name).inc(labels as AnyLabels, value);
  }

  set<N extends GaugeName>(name: N, labels: LabelsOf<N>, value: number): void {
    this.gaugeOf(name).set(labels as AnyLabels, value);
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, value: number): void {
    this.histogramOf(name).observe(labels as AnyLabels, value);
  }

  counter<N extends CounterName>(name: N, labels: LabelsOf<N>): BoundCounter {
    const child = this.counterOf(name).labels(labels as AnyLabels);
    return { inc: (value = 1) => child.inc(value) };
  }

  gauge<N extends GaugeName>(name: N, labels: LabelsOf<N>): BoundGauge {
    const child = this.gaugeOf(name).labels(labels as AnyLabels);
    return { set: (value) => child.set(value) };
  }

  histogram<N extends HistogramName>(name: N, labels: LabelsOf<N>): BoundHistogram {
    const child = this.histogramOf(name).labels(labels as AnyLabels);
    return { observe: (value) => child.observe(value) };
  }

  /** The current series of one metric (for tests and live views; not for the hot path). */
  async values(name: MetricName): Promise<SeriesValue[]> {
    const metric = this.counters.get(name) ?? this.gauges.get(name) ?? this.histograms.get(name);
    if (metric === undefined) throw new TypeError(`PromMetrics.values: '${name}' is not in the metrics catalog`);
    const data = await metric.get();
    return data.values.map((v) => ({
      labels: { ...v.labels } as Record<string, string | number>,
      value: v.value,
      ...('metricName' in v && typeof v.metricName === 'string' ? { metricName: v.metricName } : {}),
    }));
  }

  private counterOf(name: string): Counter {
    const c = this.counters.get(name);
    if (c === undefined) throw new TypeError(`metrics: '${name}' is not a counter of the catalog`);
    return c;
  }

  private gaugeOf(name: string): Gauge {
    const g = this.gauges.get(name);
    if (g === undefined) throw new TypeError(`metrics: '${name}' is not a gauge of the catalog`);
    return g;
  }

  private histogramOf(name: string): Histogram {
    const h = this.histograms.get(name);
    if (h === undefined) throw new TypeError(`metrics: '${name}' is not a histogram of the catalog`);
    return h;
  }
}

export function createPromMetrics(options: PromMetricsOptions = {}): PromMetrics {
  return new PromMetrics(options);
}
