export {
  METRICS,
  LATENESS_BUCKETS,
  BREAKER_STATE_VALUE,
  CRITICAL_LATENCY_BUCKETS_MS,
  CHECKPOINT_BUCKETS_MS,
  WINDOW_CLOSE_LAG_BUCKETS_S,
  latenessBucket,
  type MetricDef,
  type MetricName,
  type MetricType,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LabelsOf,
  type LatenessBucket,
} from './catalog.js';
export {
  createNoopMetrics,
  type Metrics,
  type MetricsExposition,
  type BoundCounter,
  type BoundGauge,
  type BoundHistogram,
} from './metrics.js';
export { PromMetrics, createPromMetrics, type PromMetricsOptions, type SeriesValue } from './prom-metrics.js';
