import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createNoopMetrics,
  createPromMetrics,
  LATENESS_BUCKETS,
  latenessBucket,
  METRICS,
  type MetricName,
} from '../../../src/metrics/index.js';

const names = Object.keys(METRICS) as MetricName[];

describe('metrics catalog', () => {
  it('names follow Prometheus rules and the shiftstream_ prefix; counters end in _total', () => {
    for (const name of names) {
      expect(name).toMatch(/^shiftstream_[a-z0-9_]+$/);
      if (METRICS[name].type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
  });

  it('histogram buckets are strictly increasing and positive', () => {
    for (const name of names) {
      const def = METRICS[name];
      if (def.type !== 'histogram') continue;
      const b = def.buckets;
      expect(b.length).toBeGreaterThan(3);
      expect(b[0]).toBeGreaterThan(0);
      for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1]!);
    }
  });

  it('the critical-lane histogram spans 1 ms to 1000 ms and has a bound at the 25 ms goal', () => {
    const b = METRICS.shiftstream_critical_lane_latency_ms.buckets;
    expect(b[0]).toBe(1);
    expect(b[b.length - 1]).toBe(1000);
    expect(b).toContain(25);
  });

  it('every metric is documented in docs/observability.md with its type', () => {
    const doc = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8');
    for (const name of names) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `docs/observability.md has no table row for ${name}`).toBeDefined();
      expect(row).toContain(METRICS[name].type);
      for (const label of METRICS[name].labelNames) expect(row, `${name} row names label ${label}`).toContain(label);
    }
  });
});

describe('latenessBucket', () => {
  it.each([
    [0, 'under_1m'],
    [59_999, 'under_1m'],
    [60_000, 'under_15m'],
    [899_999, 'under_15m'],
    [900_000, 'under_1h'],
    [3_599_999, 'under_1h'],
    [3_600_000, 'under_48h'],
    [172_799_999, 'under_48h'],
    [172_800_000, 'beyond_48h'],
    [10 * 365 * 86_400_000, 'beyond_48h'],
  ] as const)('%i ms -> %s', (ms, bucket) => {
    expect(latenessBucket(ms)).toBe(bucket);
    expect(LATENESS_BUCKETS).toContain(bucket);
  });
});

describe('PromMetrics', () => {
  it('counts with labels, through inc and through bound handles', async () => {
    const m = createPromMetrics({ processMetrics: false });
    m.inc('shiftstream_rejects_total', { reason: 'unknown-tag' });
    m.inc('shiftstream_rejects_total', { reason: 'unknown-tag' }, 2);
    const bad = m.counter('shiftstream_rejects_total', { reason: 'bad-quality' });
    bad.inc();
    bad.inc(4);
    const values = await m.values('shiftstream_rejects_total');
    expect(values).toEqual(
      expect.arrayContaining([
        { labels: { reason: 'unknown-tag' }, value: 3 },
        { labels: { reason: 'bad-quality' }, value: 5 },
      ]),
    );
  });

  it('sets gauges and observes histograms into the catalog buckets', async () => {
    const m = createPromMetrics({ processMetrics: false });
    m.set('shiftstream_consumer_lag', { topic: 'raw', partition: '0' }, 42);
    m.gauge('shiftstream_consumer_lag', { topic: 'raw', partition: '1' }).set(7);
    const h = m.histogram('shiftstream_critical_lane_latency_ms', {});
    for (const v of [0.5, 3, 3, 20, 2000]) h.observe(v);
    expect(await m.values('shiftstream_consumer_lag')).toEqual(
      expect.arrayContaining([
        { labels: { topic: 'raw', partition: '0' }, value: 42 },
        { labels: { topic: 'raw', partition: '1' }, value: 7 },
      ]),
    );
    const series = await m.values('shiftstream_critical_lane_latency_ms');
    const bucket = (le: number | string) =>
      series.find((s) => s.metricName === 'shiftstream_critical_lane_latency_ms_bucket' && s.labels['le'] === le)
        ?.value;
    expect(bucket(1)).toBe(1);
    expect(bucket(5)).toBe(3);
    expect(bucket(25)).toBe(4);
    expect(bucket(1000)).toBe(4);
    expect(bucket('+Inf')).toBe(5);
    expect(series.find((s) => s.metricName === 'shiftstream_critical_lane_latency_ms_sum')?.value).toBeCloseTo(2026.5);
  });

  it('renders Prometheus text with HELP, TYPE, default labels and process metrics', async () => {
    const m = createPromMetrics({ defaultLabels: { plantId: 'plant-a' } });
    m.inc('shiftstream_events_in_total', { topic: 'raw-samples' }, 10);
    const text = await m.render();
    expect(m.contentType).toMatch(/^text\/plain/);
    expect(text).toContain('# HELP shiftstream_events_in_total Records consumed');
    expect(text).toContain('# TYPE shiftstream_events_in_total counter');
    expect(text).toContain('shiftstream_events_in_total{topic="raw-samples",plantId="plant-a"} 10');
    expect(text).toContain('# TYPE shiftstream_checkpoint_duration_ms histogram');
    expect(text).toMatch(/^shiftstream_process_cpu_seconds_total/m);
  });

  it('keeps instances apart (own registry each)', async () => {
    const a = createPromMetrics({ processMetrics: false });
    const b = createPromMetrics({ processMetrics: false });
    a.inc('shiftstream_duplicates_total', {}, 3);
    expect(await b.values('shiftstream_duplicates_total')).toEqual([{ labels: {}, value: 0 }]);
    expect(await a.values('shiftstream_duplicates_total')).toEqual([{ labels: {}, value: 3 }]);
  });

  it('refuses a label the catalog does not declare', () => {
    const m = createPromMetrics({ processMetrics: false });
    expect(() => m.inc('shiftstream_rejects_total', { reason: 'x', topic: 'y' } as never)).toThrow(/topic/);
  });
});

describe('no-op metrics', () => {
  it('accepts every call and records nothing', () => {
    const m = createNoopMetrics();
    m.inc('shiftstream_events_in_total', { topic: 't' });
    m.set('shiftstream_odoo_breaker_state', {}, 2);
    m.observe('shiftstream_checkpoint_duration_ms', {}, 3);
    m.counter('shiftstream_duplicates_total', {}).inc();
    m.gauge('shiftstream_consumer_lag', { topic: 't', partition: '0' }).set(1);
    m.histogram('shiftstream_window_close_lag_seconds', { window: 'shift' }).observe(1);
    expect(Object.keys(m).sort()).toEqual(['counter', 'gauge', 'histogram', 'inc', 'observe', 'set']);
  });
});
