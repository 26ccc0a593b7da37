// Sparkplug B DataSet metrics (docs/ingest.md, "DataSets") through the real codecs: payloads encoded
// by sparkplug-payload (the Tahu encoder sparkplug-client uses) or, for shapes that encoder cannot
// write, by the Tahu protobuf classes themselves; decoded by our adapter; mapped by the host logic
// (src/ingest/sparkplug.ts). Each cell is one sample `<metric>/<column>`; what does not fit is a
// reject naming where, what was expected and what was found, and the rest of the payload flows.
import sparkplugPayload from 'sparkplug-payload';
import proto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';
import { describe, expect, it } from 'vitest';
import { SparkplugSession } from '../../../src/ingest/sparkplug.js';
import { createSparkplugCodec } from '../../../src/io/mqtt/sparkplug-codec.js';
import type { SparkplugPayload } from '../../../src/ports/sparkplug-codec.js';
import { lintTopologyText } from '../../../src/topology/index.js';
import type { SparkplugPlan } from '../../../src/topology/ingest-section.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const spb = sparkplugPayload.get('spBv1.0')!;
const codec = createSparkplugCodec();
type UPayload = Parameters<typeof spb.encodePayload>[0];
type UMetric = NonNullable<UPayload['metrics']>[number];

function decoded(bytes: Uint8Array): SparkplugPayload {
  const d = codec.decode(Buffer.from(bytes));
  if (!d.ok) throw new Error(d.detail);
  return d.payload;
}
const wire = (p: UPayload): SparkplugPayload => decoded(spb.encodePayload(p));

const PLAN: SparkplugPlan = {
  groups: ['G'],
  tag: '{device}.{metric}',
  nodeTag: '{node}.{metric}',
  tags: new Map(),
  deathValue: 'OFFLINE',
  hostId: undefined,
  datasets: new Map([
    ['Log', { timestampColumn: 'ts' }],
    ['Cell/Log', { timestampColumn: 'at' }],
    ['Bad', { timestampColumn: 'label' }],
  ]),
};
const T = Date.UTC(2026, 2, 2, 6);
const DDATA = 'spBv1.0/G/DDATA/N1/P01';

function session(isState: (tag: string) => boolean = () => false): SparkplugSession {
  const s = new SparkplugSession(PLAN, isState);
  s.handle(
    'spBv1.0/G/NBIRTH/N1',
    wire({ timestamp: T, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 1 }] }),
    T,
  );
  s.handle('spBv1.0/G/DBIRTH/N1/P01', wire({ timestamp: T, seq: 1, metrics: [] }), T);
  return s;
}
let seq = 2;
const data = (s: SparkplugSession, metrics: UMetric[], timestamp: number = T + 1_000) =>
  s.handle(DDATA, wire({ timestamp, seq: seq++ % 256, metrics }), timestamp);

const table = (
  columns: string[],
  types: string[],
  rows: unknown[][],
): { numOfColumns: number; columns: string[]; types: string[]; rows: unknown[][] } => ({
  numOfColumns: columns.length,
  columns,
  types,
  rows,
});

describe('Sparkplug DataSet metrics', () => {
  it('a one-row table: one sample per cell, every basic type, at the metric ts (else the payload ts)', () => {
    const types = [
      ['i8', 'Int8', -3],
      ['i16', 'Int16', -300],
      ['i32', 'Int32', -70_000],
      ['i64', 'Int64', -(2 ** 40)],
      ['u8', 'UInt8', 250],
      ['u16', 'UInt16', 65_000],
      ['u32', 'UInt32', 4_000_000_000],
      ['u64', 'UInt64', 2 ** 52],
      ['f', 'Float', 1.5],
      ['d', 'Double', 61.25],
      ['b', 'Boolean', false],
      ['s', 'String', 'RX-7'],
      ['dt', 'DateTime', T - 5],
      ['txt', 'Text', 'long text'],
    ] as const;
    const ds = table(
      types.map((t) => t[0]),
      types.map((t) => t[1]),
      [types.map((t) => t[2])],
    );
    const s = session();
    const r = data(s, [
      { name: 'Table', type: 'DataSet', value: ds, timestamp: T + 500 },
      { name: 'Now', type: 'DataSet', value: table(['x'], ['Int32'], [[7]]) }, // no metric ts: the payload's
      { name: 'STATE', type: 'Int32', value: 1 },
    ]);
    expect(r.rejects).toEqual([]);
    expect(r.samples).toEqual([
      ...types.map(([c, , v]) => ({ tag: `P01.Table/${c}`, tsMs: T + 500, value: v, quality: 'good' })),
      { tag: 'P01.Now/x', tsMs: T + 1_000, value: 7, quality: 'good' },
      { tag: 'P01.STATE', tsMs: T + 1_000, value: 1, quality: 'good' },
    ]);
  });

  it('64-bit integers: exact up to 2^53 - 1 either way, beyond it a reject that says what was found', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const ds = table(
      ['i64max', 'i64min', 'u64max', 'i64over', 'u64over'],
      ['Int64', 'Int64', 'UInt64', 'Int64', 'UInt64'],
      [[max, -max, max, '-9007199254740992', '9007199254740992']],
    );
    const r = data(session(), [
      { name: 'Big', type: 'DataSet', value: ds, timestamp: T },
      { name: 'Min', type: 'Int64', value: -max, timestamp: T },
    ]);
    expect(r.samples).toEqual([
      { tag: 'P01.Big/i64max', tsMs: T, value: max, quality: 'good' },
      { tag: 'P01.Big/i64min', tsMs: T, value: -max, quality: 'good' },
      { tag: 'P01.Big/u64max', tsMs: T, value: max, quality: 'good' },
      { tag: 'P01.Min', tsMs: T, value: -max, quality: 'good' },
    ]);
    expect(r.rejects.map((x) => x.detail.replace(/^.*\(alias none\) /, ''))).toEqual([
      "row 1 of 1 column 'i64over' (Int64): expected a value of type Int64, " +
        'found the integer -9007199254740992 (beyond 2^53)',
      "row 1 of 1 column 'u64over' (UInt64): expected a value of type UInt64, " +
        'found the integer 9007199254740992 (beyond 2^53)',
    ]);
  });

  it('several rows without a timestamp column: one reject naming metric, expected and found; the rest flows', () => {
    const r = data(session(), [
      { name: 'Recipe', type: 'DataSet', value: table(['a'], ['Int32'], [[1], [2], [3]]) },
      { name: 'STATE', type: 'Int32', value: 2 },
    ]);
    expect(r.samples).toEqual([{ tag: 'P01.STATE', tsMs: T + 1_000, value: 2, quality: 'good' }]);
    expect(r.rejects).toEqual([
      {
        reason: 'dataset-shape',
        detail:
          `topic '${DDATA}' metric 'Recipe' (alias none): expected one row, or a timestamp column for ` +
          "'Recipe' in ingest.mqtt.sparkplug.datasets, found 3 rows",
      },
    ]);
  });

  it('rows with a timestamp column: each row at its ts; shared ts, null and unsupported cells rejected', () => {
    const rows = [
      [T + 100, 1, 10.5, 'a', new Uint8Array([1])],
      [T + 200, 2, null, 'b', new Uint8Array([2])],
      [T + 300, 3, 11.5, 'c', new Uint8Array([3])],
      [T + 300, 4, 12.5, 'd', new Uint8Array([4])], // the same ts as the row before: neither is kept
      [null, 5, 13.5, 'e', new Uint8Array([5])], // no ts
      [T + 400, '18446744073709551615', 14.5, 'f', new Uint8Array([6])],
    ];
    const ds = table(
      ['ts', 'count', 'temp', 'label', 'blob'],
      ['DateTime', 'UInt64', 'Double', 'String', 'Bytes'],
      rows,
    );
    const r = data(session(), [{ name: 'Log', type: 'DataSet', value: ds }]);
    const at = (ts: number, c: string, v: number | string) => ({
      tag: `P01.Log/${c}`,
      tsMs: ts,
      value: v,
      quality: 'good',
    });
    expect(r.samples).toEqual([
      at(T + 100, 'count', 1),
      at(T + 100, 'temp', 10.5),
      at(T + 100, 'label', 'a'),
      at(T + 200, 'count', 2),
      at(T + 200, 'label', 'b'),
      at(T + 400, 'temp', 14.5),
      at(T + 400, 'label', 'f'),
    ]);
    const what = `topic '${DDATA}' metric 'Log' (alias none)`;
    expect(r.rejects).toEqual([
      {
        reason: 'unsupported-datatype',
        detail:
          `${what} column 'blob': expected a column of a basic type (Int8..UInt64, Float, Double, Boolean, ` +
          'String, DateTime, Text), found Bytes (its 6 cells give no sample)',
      },
      { reason: 'invalid-ts', detail: `${what} row 5 of 6 column 'ts': expected epoch milliseconds, found no value` },
      {
        reason: 'dataset-shape',
        detail:
          `${what}: expected each timestamp in one row, ` + `found ${T + 300} in rows 3, 4 of 6 (none of them is kept)`,
      },
      { reason: 'null-cell', detail: `${what} row 2 of 6 column 'temp' (Double): expected a value, found none (null)` },
      {
        reason: 'unsupported-datatype',
        detail:
          `${what} row 6 of 6 column 'count' (UInt64): expected a value of type UInt64, ` +
          'found the integer 18446744073709551615 (beyond 2^53)',
      },
    ]);
  });

  it('the timestamp column must exist and hold epoch ms; an empty table gives nothing', () => {
    const s = session();
    const missing = data(s, [
      { name: 'Log', type: 'DataSet', value: table(['time', 'x'], ['DateTime', 'Int32'], [[T, 1]]) },
    ]);
    expect(missing.rejects).toEqual([
      {
        reason: 'dataset-shape',
        detail:
          `topic '${DDATA}' metric 'Log' (alias none): expected the timestamp column 'ts' ` +
          "(ingest.mqtt.sparkplug.datasets), found the columns 'time', 'x'",
      },
    ]);
    const text = data(s, [{ name: 'Bad', type: 'DataSet', value: table(['label'], ['String'], [['x']]) }]);
    expect(text.rejects.map((x) => x.detail)).toEqual([
      `topic '${DDATA}' metric 'Bad' (alias none): ` +
        "expected the timestamp column 'label' of type DateTime, Int64 or UInt64, found String",
    ]);
    const empty = data(s, [{ name: 'Log', type: 'DataSet', value: table(['ts', 'x'], ['DateTime', 'Int32'], []) }]);
    expect(empty).toMatchObject({ samples: [], rejects: [] });
    expect(missing.samples).toEqual([]);
  });

  it('shapes the Tahu encoder cannot write: lengths that disagree, short rows, mistyped cells', () => {
    const P = proto.org.eclipse.tahu.protobuf.Payload;
    const cell = (v: Record<string, unknown>) => P.DataSet.DataSetValue.create(v);
    const encode = (name: string, dataset: Record<string, unknown>) =>
      P.encode(
        P.create({
          timestamp: T + 2_000,
          seq: seq++ % 256,
          metrics: [
            { name, datatype: 16, datasetValue: P.DataSet.create(dataset) },
            { name: 'GOOD', datatype: 3, intValue: 9 },
          ],
        }),
      ).finish();
    const s = session();
    const handle = (bytes: Uint8Array) => s.handle(DDATA, decoded(bytes), T + 2_000);
    const lengths = handle(encode('A', { numOfColumns: 2, columns: ['x', 'y'], types: [3], rows: [] }));
    expect(lengths.rejects.map((x) => x.detail)).toEqual([
      `topic '${DDATA}' metric 'A' (alias none): ` +
        'expected num_of_columns, columns and types of one length, found num_of_columns 2, 2 columns and 1 types',
    ]);
    expect(lengths.samples).toEqual([{ tag: 'P01.GOOD', tsMs: T + 2_000, value: 9, quality: 'good' }]);
    const dup = handle(encode('A', { numOfColumns: 2, columns: ['x', 'x'], types: [3, 3], rows: [] }));
    expect(dup.rejects.map((x) => x.detail)).toEqual([
      `topic '${DDATA}' metric 'A' (alias none): expected distinct, non-empty column names, found 'x' twice`,
    ]);
    const rows = handle(
      encode('Log', {
        numOfColumns: 3,
        columns: ['ts', 'x', 'ok'],
        types: [13, 3, 11],
        rows: [
          { elements: [cell({ longValue: T }), cell({ intValue: 1 })] }, // a cell short
          { elements: [cell({ longValue: T + 1 }), cell({ stringValue: 'one' }), cell({ booleanValue: true })] },
        ],
      }),
    );
    expect(rows.samples).toEqual([
      { tag: 'P01.Log/ok', tsMs: T + 1, value: true, quality: 'good' },
      { tag: 'P01.GOOD', tsMs: T + 2_000, value: 9, quality: 'good' },
    ]);
    expect(rows.rejects).toEqual([
      {
        reason: 'dataset-shape',
        detail: `topic '${DDATA}' metric 'Log' (alias none): row 1 of 2: expected 3 cells, found 2`,
      },
      {
        reason: 'unsupported-datatype',
        detail:
          `topic '${DDATA}' metric 'Log' (alias none) row 2 of 2 column 'x' (Int32): ` +
          'expected a value of type Int32, found a string_value, which is not where Int32 values go',
      },
    ]);
  });

  it('a DataSet member of a template maps to <metric>/<member>/<column>, its timestamp column by that name', () => {
    const r = data(session(), [
      {
        name: 'Cell',
        type: 'Template',
        value: {
          templateRef: 'Cell',
          metrics: [
            {
              name: 'Log',
              type: 'DataSet',
              value: table(
                ['at', 'n'],
                ['Int64', 'Int16'],
                [
                  [T + 7, 1],
                  [T + 8, 2],
                ],
              ),
            },
          ],
        },
      },
    ]);
    expect(r.rejects).toEqual([]);
    expect(r.samples).toEqual([
      { tag: 'P01.Cell/Log/n', tsMs: T + 7, value: 1, quality: 'good' },
      { tag: 'P01.Cell/Log/n', tsMs: T + 8, value: 2, quality: 'good' },
    ]);
  });

  it('a birth names the columns (not the timestamp column), so a death reaches a column that is a state tag', () => {
    const states = new Set(['P02.Log/STATE', 'P02.Log/ts', 'P02.Now/STATE']);
    const s = new SparkplugSession(PLAN, (tag) => states.has(tag));
    s.handle(
      'spBv1.0/G/NBIRTH/N1',
      wire({ timestamp: T, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 1 }] }),
      T,
    );
    const birth = s.handle(
      'spBv1.0/G/DBIRTH/N1/P02',
      wire({
        timestamp: T,
        seq: 1,
        metrics: [
          { name: 'Log', type: 'DataSet', value: table(['ts', 'STATE'], ['DateTime', 'Int32'], [[T - 10, 1]]) },
          { name: 'Now', type: 'DataSet', value: table(['STATE'], ['Int32'], [[2]]) },
        ],
      }),
      T,
    );
    expect(birth.samples).toEqual([
      { tag: 'P02.Log/STATE', tsMs: T - 10, value: 1, quality: 'good' },
      { tag: 'P02.Now/STATE', tsMs: T, value: 2, quality: 'good' },
    ]);
    const d = s.handle('spBv1.0/G/DDEATH/N1/P02', wire({ timestamp: T + 9_000, seq: 2, metrics: [] }), T + 9_000);
    expect(d.samples).toEqual([
      { tag: 'P02.Log/STATE', tsMs: T + 9_000, value: 'OFFLINE', quality: 'uncertain' },
      { tag: 'P02.Now/STATE', tsMs: T + 9_000, value: 'OFFLINE', quality: 'uncertain' },
    ]);
  });
});

describe('topology ingest.mqtt.sparkplug.datasets', () => {
  const BASE = readFileSync(join(import.meta.dirname, '../../fixtures/topologies/minimal.yaml'), 'utf8');
  it('is compiled into the plan; an entry without timestampColumn is a schema error', () => {
    const ok = lintTopologyText(
      `${BASE}\ningest:\n  mqtt:\n    sparkplug:\n      tags: { P01.Log/x: P01.GOOD }\n` +
        '      datasets: { Log: { timestampColumn: ts } }\n',
      'topologies/plant-a.yaml',
    );
    expect(ok.problems).toEqual([]);
    expect(ok.plan?.ingest?.mqtt?.sparkplug?.datasets).toEqual(new Map([['Log', { timestampColumn: 'ts' }]]));
    const bad = lintTopologyText(
      `${BASE}\ningest:\n  mqtt:\n    sparkplug:\n      datasets: { Log: { column: ts } }\n`,
      'topologies/plant-a.yaml',
    );
    expect(bad.problems.filter((p) => p.severity === 'error').map((p) => p.rule)).toContain('schema');
  });
});
