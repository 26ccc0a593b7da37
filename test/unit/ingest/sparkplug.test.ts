// The Sparkplug B host logic (src/ingest/sparkplug.ts) on payloads encoded and decoded by the real
// codec (sparkplug-payload): births and aliases, tag rules, seq gaps, unknown aliases, data before a
// birth, deaths, stale deaths, 64-bit values, is_null and historical metrics, and the births kept
// across a restart. The topology's `ingest.mqtt.sparkplug` section: defaults and its schema check.
import { readFileSync } from 'node:fs';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import sparkplugPayload from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import { REBIRTH_HOLD_MS, SparkplugSession } from '../../../src/ingest/sparkplug.js';
import { createSparkplugCodec, MAX_INFLATED_BYTES } from '../../../src/io/mqtt/sparkplug-codec.js';
import type { SparkplugPayload } from '../../../src/ports/sparkplug-codec.js';
import { lintTopologyText } from '../../../src/topology/index.js';
import type { SparkplugPlan } from '../../../src/topology/ingest-section.js';

const spb = sparkplugPayload.get('spBv1.0')!;
const codec = createSparkplugCodec();
type UPayload = Parameters<typeof spb.encodePayload>[0];

/** Through the wire: encoded by sparkplug-payload, decoded by our adapter. */
function wire(p: UPayload): SparkplugPayload {
  const d = codec.decode(Buffer.from(spb.encodePayload(p)));
  if (!d.ok) throw new Error(d.detail);
  return d.payload;
}

const PLAN: SparkplugPlan = {
  groups: ['G'],
  tag: '{device}.{metric}',
  nodeTag: '{node}.{metric}',
  tags: new Map([['N1.Heartbeat', 'P01.HB']]),
  deathValue: 'OFFLINE',
  hostId: undefined,
  datasets: new Map([['Log', { timestampColumn: 'ts' }]]),
};
const isState = (tag: string): boolean => tag.endsWith('.STATE');
const T = Date.UTC(2026, 2, 2, 6);

function born(s = new SparkplugSession(PLAN, isState)): SparkplugSession {
  s.handle(
    'spBv1.0/G/NBIRTH/N1',
    wire({
      timestamp: T,
      seq: 0,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: 3 },
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        { name: 'Heartbeat', alias: 1, type: 'Int32', value: 0 },
      ],
    }),
    T,
  );
  s.handle(
    'spBv1.0/G/DBIRTH/N1/P01',
    wire({
      timestamp: T,
      seq: 1,
      metrics: [
        { name: 'STATE', alias: 10, type: 'Int32', value: 1 },
        { name: 'GOOD', alias: 11, type: 'Int64', value: 100 },
      ],
    }),
    T,
  );
  return s;
}

describe('SparkplugSession', () => {
  it('a birth gives samples by the tag rules; alias-only data resolves through the birth', () => {
    const s = new SparkplugSession(PLAN, isState);
    const r = s.handle(
      'spBv1.0/G/NBIRTH/N1',
      wire({ timestamp: T, seq: 0, metrics: [{ name: 'Heartbeat', alias: 1, type: 'Int32', value: 4 }] }),
      T,
    );
    expect(r.samples).toEqual([{ tag: 'P01.HB', tsMs: T, value: 4, quality: 'good' }]);
    expect(r.birthsChanged).toBe(true);
    born(s);
    const d = s.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({
        timestamp: T + 1000,
        seq: 2,
        metrics: [
          { alias: 10, type: 'Int32', value: 5 },
          { alias: 11, type: 'Int64', value: 103, timestamp: T + 900 },
        ],
      }),
      T + 1000,
    );
    expect(d).toMatchObject({ rejects: [], rebirth: undefined, birthsChanged: false });
    expect(d.samples).toEqual([
      { tag: 'P01.STATE', tsMs: T + 1000, value: 5, quality: 'good' },
      { tag: 'P01.GOOD', tsMs: T + 900, value: 103, quality: 'good' },
    ]);
  });

  it('a seq gap asks for a rebirth once per hold, again after the next birth', () => {
    const s = born();
    const data = (seq: number, at: number) =>
      s.handle(
        'spBv1.0/G/NDATA/N1',
        wire({ timestamp: at, seq, metrics: [{ alias: 1, type: 'Int32', value: seq }] }),
        at,
      );
    expect(data(2, T).rebirth).toBeUndefined();
    const gap = data(4, T + 1);
    expect(gap.rebirth).toEqual({
      topic: 'spBv1.0/G/NCMD/N1',
      reason: 'seq-gap',
      detail: "topic 'spBv1.0/G/NDATA/N1': expected seq 3 after 2, found 4",
    });
    expect(gap.samples).toHaveLength(1); // the data itself is good
    expect(data(9, T + 2).rebirth).toBeUndefined(); // held
    expect(data(11, T + 2 + REBIRTH_HOLD_MS).rebirth?.reason).toBe('seq-gap');
    born(s);
    expect(data(5, T + 3 + REBIRTH_HOLD_MS).rebirth?.reason).toBe('seq-gap'); // a birth came between
    expect(data(6, T + 4 + REBIRTH_HOLD_MS).rebirth).toBeUndefined();
    expect(data(255, T + 5 + REBIRTH_HOLD_MS).rebirth).toBeUndefined(); // held
    expect(data(0, T + 6 + REBIRTH_HOLD_MS).rebirth).toBeUndefined(); // 255 -> 0 wraps
  });

  it('an unknown alias is rejected and asks for a rebirth; data before any birth does too', () => {
    const s = born();
    const r = s.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({ timestamp: T, seq: 2, metrics: [{ alias: 99, type: 'Int32', value: 1 }] }),
      T,
    );
    expect(r.rejects).toEqual([
      {
        reason: 'unknown-alias',
        detail:
          "topic 'spBv1.0/G/DDATA/N1/P01' metric (alias 99): " +
          'expected an alias of the last birth or a name, found neither',
      },
    ]);
    expect(r.rebirth?.reason).toBe('unknown-alias');
    const fresh = new SparkplugSession(PLAN, isState);
    const early = fresh.handle(
      'spBv1.0/G/DDATA/N2/P02',
      wire({ timestamp: T, seq: 7, metrics: [{ name: 'STATE', type: 'Int32', value: 2 }] }),
      T,
    );
    expect(early.rebirth).toMatchObject({ topic: 'spBv1.0/G/NCMD/N2', reason: 'no-birth' });
    expect(early.samples).toEqual([{ tag: 'P02.STATE', tsMs: T, value: 2, quality: 'good' }]); // named: kept
  });

  it('a DDEATH writes deathValue to the state tags of the device only, and forgets its aliases', () => {
    const s = born();
    const r = s.handle('spBv1.0/G/DDEATH/N1/P01', wire({ timestamp: T + 5000, seq: 2, metrics: [] }), T + 9000);
    expect(r.samples).toEqual([{ tag: 'P01.STATE', tsMs: T + 5000, value: 'OFFLINE', quality: 'uncertain' }]);
    expect(r.death).toEqual({ what: 'device G/N1/P01', stateTags: 1 });
    const after = s.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({ timestamp: T + 6000, seq: 3, metrics: [{ alias: 10, type: 'Int32', value: 1 }] }),
      T + 9000,
    );
    expect(after.rejects.map((x) => x.reason)).toEqual(['unknown-alias']);
  });

  it('an NDEATH with the birth bdSeq kills every device; a stale one (another bdSeq) is ignored', () => {
    const s = born();
    const stale = s.handle(
      'spBv1.0/G/NDEATH/N1',
      wire({ timestamp: T + 1, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 2 }] }),
      T + 1,
    );
    expect(stale).toMatchObject({ samples: [], death: undefined });
    const r = s.handle(
      'spBv1.0/G/NDEATH/N1',
      wire({ metrics: [{ name: 'bdSeq', type: 'UInt64', value: 3 }] }), // no timestamp: the arrival time
      T + 2,
    );
    expect(r.samples).toEqual([{ tag: 'P01.STATE', tsMs: T + 2, value: 'OFFLINE', quality: 'uncertain' }]);
    const none = new SparkplugSession({ ...PLAN, deathValue: undefined }, isState);
    born(none);
    const d = none.handle('spBv1.0/G/DDEATH/N1/P01', wire({ timestamp: T, seq: 2, metrics: [] }), T);
    expect(d).toMatchObject({ samples: [], death: { stateTags: 1 } });
  });

  it('values: 64-bit integers while exact, is_null skipped, historical metrics with their own ts', () => {
    const s = born();
    const r = s.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({
        timestamp: T,
        seq: 2,
        metrics: [
          { alias: 11, type: 'Int64', value: 2 ** 40 },
          { alias: 11, type: 'Int64', value: -5 }, // signed (sparkplug-payload's decoder makes it unsigned)
          { alias: 11, type: 'UInt64', value: '18446744073709551615' },
          { alias: 10, type: 'Int32', value: null },
          { alias: 10, type: 'Int32', value: 3, timestamp: T - 60_000, isHistorical: true },
          { name: 'Blob', type: 'Bytes', value: new Uint8Array([1]) },
        ],
      }),
      T,
    );
    expect(r.samples).toEqual([
      { tag: 'P01.GOOD', tsMs: T, value: 2 ** 40, quality: 'good' },
      { tag: 'P01.GOOD', tsMs: T, value: -5, quality: 'good' },
      { tag: 'P01.STATE', tsMs: T - 60_000, value: 3, quality: 'good' },
    ]);
    expect(r.rejects.map((x) => x.reason)).toEqual(['unsupported-datatype', 'unsupported-datatype']);
    expect(r.rejects[0]!.detail).toContain('found a UInt64');
  });

  it('the births survive a restart through snapshot() (seq starts a new baseline)', () => {
    const s = born();
    const again = new SparkplugSession(PLAN, isState, JSON.parse(JSON.stringify(s.snapshot())));
    const r = again.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({ timestamp: T, seq: 77, metrics: [{ alias: 11, type: 'Int64', value: 5 }] }),
      T,
    );
    expect(r).toMatchObject({ rejects: [], rebirth: undefined });
    expect(r.samples).toEqual([{ tag: 'P01.GOOD', tsMs: T, value: 5, quality: 'good' }]);
  });

  it('a topic of another shape is rejected; the filters name each message type of each group', () => {
    const r = born().handle('spBv1.0/G/DDATA/N1', wire({ timestamp: T, metrics: [] }), T);
    expect(r.rejects.map((x) => x.reason)).toEqual(['unknown-topic']);
    expect(SparkplugSession.filters({ ...PLAN, groups: ['A'] })).toEqual([
      'spBv1.0/A/NBIRTH/+',
      'spBv1.0/A/NDEATH/+',
      'spBv1.0/A/NDATA/+',
      'spBv1.0/A/DBIRTH/+/+',
      'spBv1.0/A/DDEATH/+/+',
      'spBv1.0/A/DDATA/+/+',
    ]);
  });

  it('the codec says what it found in bytes that are not a Sparkplug payload', () => {
    const d = codec.decode(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(d.ok).toBe(false);
    expect(!d.ok && d.detail).toMatch(/^expected a Sparkplug B protobuf payload, found: /);
  });
});

describe('topology ingest.mqtt.sparkplug', () => {
  const BASE = readFileSync(join(import.meta.dirname, '../../fixtures/topologies/minimal.yaml'), 'utf8');
  it('applies the defaults; subscriptions may be left out', () => {
    const { plan, problems } = lintTopologyText(
      `${BASE}\ningest:\n  mqtt:\n    sparkplug: { deathValue: 7 }\n`,
      'topologies/plant-a.yaml',
    );
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(plan?.ingest?.mqtt?.subscriptions).toEqual([]);
    expect(plan?.ingest?.mqtt?.sparkplug).toEqual({
      groups: ['+'],
      tag: '{device}.{metric}',
      nodeTag: '{node}.{metric}',
      tags: new Map(),
      deathValue: 7,
      hostId: undefined,
      datasets: new Map(),
    });
  });

  it('an mqtt section with neither subscriptions nor sparkplug is an error that says so', () => {
    const { problems } = lintTopologyText(`${BASE}\ningest:\n  mqtt:\n    qos: 1\n`, 'topologies/plant-a.yaml');
    expect(problems.filter((p) => p.rule === 'schema').map((p) => p.message)).toEqual([
      expect.stringContaining('subscriptions (MQTT with JSON payloads), sparkplug (Sparkplug B), or both'),
    ]);
  });
});

describe('Sparkplug compressed payloads and templates (real codec)', () => {
  const inner = (): Uint8Array =>
    spb.encodePayload({ timestamp: T + 5_000, seq: 2, metrics: [{ alias: 11, type: 'Int64', value: 170 }] });
  const compressed = (body: Uint8Array, algorithm?: string): Buffer =>
    Buffer.from(
      spb.encodePayload({
        uuid: 'SPBV1.0_COMPRESSED',
        body,
        metrics: algorithm === undefined ? [] : [{ name: 'algorithm', type: 'String', value: algorithm }],
      }),
    );

  for (const [label, bytes] of [
    ['DEFLATE named', () => compressed(deflateSync(inner()), 'DEFLATE')],
    ['DEFLATE by default (no algorithm metric)', () => compressed(deflateSync(inner()))],
    ['GZIP', () => compressed(gzipSync(inner()), 'GZIP')],
    ['raw DEFLATE', () => compressed(deflateRawSync(inner()), 'deflate')],
  ] as const) {
    it(`${label}: inflated and decoded like the plain payload`, () => {
      const d = codec.decode(bytes());
      expect(d.ok).toBe(true);
      const s = born();
      const r = s.handle('spBv1.0/G/DDATA/N1/P01', (d as { payload: SparkplugPayload }).payload, T + 5_000);
      expect(r.samples).toEqual([{ tag: 'P01.GOOD', tsMs: T + 5_000, value: 170, quality: 'good' }]);
      expect(r.rejects).toEqual([]);
      expect(r.rebirth).toBeUndefined();
    });
  }

  it('a body that does not inflate, an unknown algorithm and a bomb are refused with the reason', () => {
    const bad = codec.decode(compressed(Buffer.from('not deflate at all'), 'GZIP'));
    expect(bad).toEqual({
      ok: false,
      detail: expect.stringMatching(/^compressed payload \(GZIP\): expected a GZIP body, found: /),
    });
    expect(codec.decode(compressed(deflateSync(inner()), 'LZ4'))).toEqual({
      ok: false,
      detail: "compressed payload: expected algorithm DEFLATE or GZIP, found 'LZ4'",
    });
    const bomb = codec.decode(compressed(gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1)), 'GZIP'));
    expect(bomb).toEqual({
      ok: false,
      detail: expect.stringContaining(`expected at most ${MAX_INFLATED_BYTES} bytes`),
    });
    const garbage = codec.decode(compressed(gzipSync(Buffer.from([0xff, 0xff, 0xff])), 'GZIP'));
    expect(garbage).toEqual({
      ok: false,
      detail: expect.stringMatching(/^compressed payload \(GZIP\), inflated: expected a Sparkplug B/),
    });
  });

  it('a template instance gives one sample per member (nested too); a definition gives none', () => {
    const s = born();
    const tmpl = (metrics: UPayload['metrics'], isDefinition = false) => ({
      isDefinition,
      templateRef: isDefinition ? undefined : 'Press',
      metrics,
    });
    const r = s.handle(
      'spBv1.0/G/DDATA/N1/P01',
      wire({
        timestamp: T + 6_000,
        seq: 2,
        metrics: [
          { name: '_types_/Press', type: 'Template', value: tmpl([{ name: 'Speed', type: 'Int32', value: 0 }], true) },
          {
            name: 'Press',
            type: 'Template',
            value: tmpl([
              { name: 'Speed', type: 'Int32', value: 42 },
              { name: 'Temp', type: 'Double', value: 61.5, timestamp: T + 5_500 },
              { name: 'Die', type: 'Template', value: tmpl([{ name: 'Strokes', type: 'Int64', value: 9 }]) },
              { name: 'Blob', type: 'Bytes', value: new Uint8Array([1]) },
            ]),
          },
        ],
      }),
      T + 6_000,
    );
    expect(r.samples).toEqual([
      { tag: 'P01.Press/Speed', tsMs: T + 6_000, value: 42, quality: 'good' },
      { tag: 'P01.Press/Temp', tsMs: T + 5_500, value: 61.5, quality: 'good' },
      { tag: 'P01.Press/Die/Strokes', tsMs: T + 6_000, value: 9, quality: 'good' },
    ]);
    expect(r.rejects).toEqual([
      { reason: 'unsupported-datatype', detail: expect.stringContaining("metric 'Press/Blob'") },
    ]);
  });

  it('a death reaches a template member that is a state tag (the birth names the members)', () => {
    const s = new SparkplugSession(PLAN, (tag) => tag === 'P02.Cell/STATE');
    s.handle(
      'spBv1.0/G/NBIRTH/N1',
      wire({ timestamp: T, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 1 }] }),
      T,
    );
    s.handle(
      'spBv1.0/G/DBIRTH/N1/P02',
      wire({
        timestamp: T,
        seq: 1,
        metrics: [
          {
            name: 'Cell',
            type: 'Template',
            value: { templateRef: 'Cell', metrics: [{ name: 'STATE', type: 'Int32', value: 1 }] },
          },
        ],
      }),
      T,
    );
    const d = s.handle('spBv1.0/G/DDEATH/N1/P02', wire({ timestamp: T + 9_000, seq: 2, metrics: [] }), T + 9_000);
    expect(d.samples).toEqual([{ tag: 'P02.Cell/STATE', tsMs: T + 9_000, value: 'OFFLINE', quality: 'uncertain' }]);
  });
});
