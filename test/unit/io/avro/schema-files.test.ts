import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  MILESTONE_KINDS,
  QUALITIES,
  STATE_CATEGORIES,
  EVENT_KINDS,
  machineEvent,
  withRunningOrder,
  type OrderSummary,
  type WindowSummary,
} from '../../../../src/core/types.js';
import { orderSummaryKey } from '../../../../src/core/order-summary-key.js';
import { createLocalCodecs } from '../../../../src/io/avro/codecs.js';
import { loadAllSchemas, SCHEMA_FOR_TOPIC_ROLE, type SCHEMA_FILES } from '../../../../src/io/avro/schema-files.js';
import { defaultTopics } from '../../../../src/topology/model.js';

const schemas = loadAllSchemas();
const json = (name: keyof typeof SCHEMA_FILES): { fields: { name: string; type: unknown }[] } =>
  JSON.parse(schemas.get(name)?.text ?? '{}') as { fields: { name: string; type: unknown }[] };

function enumSymbols(type: avsc.Type, field: string): string[] {
  const t = (type as avsc.types.RecordType).field(field)?.type;
  const e = t instanceof avsc.types.UnwrappedUnionType ? t.types.find((x) => x instanceof avsc.types.EnumType) : t;
  if (!(e instanceof avsc.types.EnumType))
    throw new Error(`${type.name}.${field}: expected an enum, found ${String(e)}`);
  return e.symbols;
}

describe('schemas/', () => {
  it('has every schema in namespace io.shiftstream', () => {
    for (const s of schemas.values()) expect(s.type.name).toBe(`io.shiftstream.${s.name}`);
  });

  it('keeps enums equal to the core types', () => {
    expect(enumSymbols(schemas.get('RawSample')!.type, 'quality')).toEqual([...QUALITIES]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'category')).toEqual([...STATE_CATEGORIES]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'kind')).toEqual([...EVENT_KINDS]);
    expect(enumSymbols(schemas.get('MachineEvent')!.type, 'milestone')).toEqual([...MILESTONE_KINDS]);
    expect(enumSymbols(schemas.get('Milestone')!.type, 'kind')).toEqual([...MILESTONE_KINDS]);
  });

  it('inlines in Late exactly the MachineEvent schema', () => {
    const inlined = json('Late').fields.find((f) => f.name === 'event')?.type;
    const a = avsc.Type.forSchema(inlined as avsc.Schema).fingerprint('sha256');
    const b = schemas.get('MachineEvent')!.type.fingerprint('sha256');
    expect(a.equals(b)).toBe(true);
  });

  it('defaults RawSample quality to good', () => {
    const v1 = avsc.Type.forSchema({
      type: 'record',
      name: 'io.shiftstream.RawSample',
      fields: [
        { name: 'tag', type: 'string' },
        { name: 'ts', type: 'long' },
        { name: 'value', type: ['double', 'string', 'boolean'] },
      ],
    });
    const reader = schemas.get('RawSample')!.type;
    const decoded = reader.fromBuffer(v1.toBuffer({ tag: 'a', ts: 1, value: 2 }), reader.createResolver(v1)) as {
      quality: string;
    };
    expect(decoded.quality).toBe('good');
  });

  it('round-trips a WindowSummary shaped like src/core/types.ts', () => {
    const type = schemas.get('WindowSummary')!.type;
    const summary = {
      plantId: 'plant-a',
      workCenterId: 'WC1',
      windowKind: 'shift',
      windowName: 'shift',
      windowId: '2026-03-28/night',
      shiftName: 'night',
      startMs: 1_774_728_000_000,
      endMs: 1_774_753_200_000,
      startLocal: '2026-03-28T22:00:00+01:00',
      endLocal: '2026-03-29T06:00:00+02:00',
      revision: 1,
      final: true,
      lengthMs: 25_200_000,
      plannedMs: 25_200_000,
      runtimeMs: 20_000_000,
      downtimeMs: 5_200_000,
      downtimeByReason: { jam: 5_200_000 },
      timeByCategory: { running: 20_000_000, idle: 0, setup: 0, planned_stop: 0, down: 5_200_000, unknown: 0 },
      goodCount: 100,
      scrapCount: 2,
      counts: { good: 100, scrap: 2 },
      inspectionsPassed: 0,
      inspectionsFailed: 0,
      stateChanges: 3,
      firstEventMs: 1_774_728_000_000,
      lastEventMs: null,
      samplesApplied: 10,
      lateSamples: 0,
      idealCycleTimeMs: null,
      availability: 0.79,
      performance: null,
      quality: null,
      oee: null,
      intervals: [{ startMs: 1, endMs: 2, category: 'down', reason: 'jam' }],
    };
    // No `orders` (tagging off): written as the default, null.
    // Intervals without attribution: their orderRef and workOrderId are written as the default, null.
    const read = {
      ...summary,
      orders: null,
      intervals: [{ ...summary.intervals[0], orderRef: null, workOrderId: null }],
    };
    expect(type.fromBuffer(type.toBuffer(summary))).toEqual(read);
    const tagged = { ...summary, orders: ['WH/MO/00007', 'WH/MO/00012'] };
    expect(type.fromBuffer(type.toBuffer(tagged))).toEqual({ ...read, orders: tagged.orders });
  });

  it('order tagging added fields BACKWARD-compatibly: records of the schemas before it decode with nulls', () => {
    const added: Partial<Record<keyof typeof SCHEMA_FILES, string[]>> = {
      MachineEvent: ['runningOrder', 'runningWorkOrderId'],
      WindowSummary: ['orders'],
    };
    for (const [name, fields] of Object.entries(added) as [keyof typeof SCHEMA_FILES, string[]][]) {
      const reader = schemas.get(name)!.type as avsc.types.RecordType;
      const doc = JSON.parse(schemas.get(name)!.text) as {
        fields: { name: string; default?: unknown; type: unknown }[];
      };
      for (const f of fields) {
        const def = doc.fields.find((x) => x.name === f);
        expect(def?.default, `${name}.${f}`).toBeNull();
        expect(
          Array.isArray(def?.type) && (def.type as unknown[])[0] === 'null',
          `${name}.${f} is a union with null first`,
        ).toBe(true);
      }
      // The new fields come last (before fields added after order tagging: the inspection, issue 15),
      // so a writer without them is the schema before order tagging.
      const upTo = doc.fields.filter((f) => f.name !== 'inspection');
      expect(upTo.slice(-fields.length).map((f) => f.name)).toEqual(fields);
      const before = avsc.Type.forSchema({ ...doc, fields: upTo.slice(0, -fields.length) } as avsc.Schema);
      const sample = before.random() as unknown as Record<string, unknown>;
      const decoded = reader.fromBuffer(before.toBuffer(sample), reader.createResolver(before)) as Record<
        string,
        unknown
      >;
      for (const f of fields) expect(decoded[f]).toBeNull();
    }
  });

  it('codecs: events keep their order tag; a summary without orders decodes without the key', async () => {
    const codecs = createLocalCodecs();
    const e = machineEvent(
      {
        plantId: 'p',
        machineId: 'm',
        workCenterId: 'wc',
        tag: 'm.STATE',
        tsMs: 1_774_728_000_000,
        kind: 'state',
        value: 1,
      },
      { category: 'running' },
    );
    const tagged = withRunningOrder(e, { order: 'WH/MO/00012', workOrderId: 41 });
    await codecs.prepare([codecs.event.encode(e)]);
    expect(codecs.event.decode(codecs.event.encode(tagged))).toEqual({ ok: true, value: tagged });
    const untagged = codecs.event.decode(codecs.event.encode(e));
    expect(untagged.ok && Object.keys(untagged.value)).toEqual(Object.keys(tagged));
    expect(untagged.ok && untagged.value.runningOrder).toBeUndefined();
    const summary = { ...SUMMARY };
    await codecs.prepare([codecs.summary.encode(summary)]);
    const d = codecs.summary.decode(codecs.summary.encode(summary));
    expect(d.ok && 'orders' in d.value).toBe(false);
    const withOrders = { ...SUMMARY, orders: ['WH/MO/00012'] };
    const d2 = codecs.summary.decode(codecs.summary.encode(withOrders));
    expect(d2.ok && d2.value.orders).toEqual(['WH/MO/00012']);
  });
});

describe('OrderSummary (schemas/order-summary.avsc)', () => {
  const type = schemas.get('OrderSummary')!.type;

  it('has the fields of a shift summary but orders, plus orderRef, workOrderId, productionId, orderSource', () => {
    const window = json('WindowSummary').fields.map((f) => f.name);
    const order = json('OrderSummary').fields.map((f) => f.name);
    expect(order).toEqual([
      ...window.filter((f) => f !== 'orders'),
      'orderRef',
      'workOrderId',
      'productionId',
      'orderSource',
    ]);
    expect(enumSymbols(type, 'orderSource')).toEqual(['plant', 'odoo']);
  });

  it('round-trips an order share and the no-order share through the codec, intervals with their order', async () => {
    const codecs = createLocalCodecs();
    const share = ORDER_SHARE;
    const none: OrderSummary = {
      ...ORDER_SHARE,
      orderRef: null,
      workOrderId: null,
      productionId: null,
      orderSource: null,
      intervals: [
        {
          startMs: 1_774_764_000_000,
          endMs: 1_774_767_600_000,
          category: 'idle',
          reason: null,
          orderRef: null,
          workOrderId: null,
        },
      ],
    };
    const bytes = codecs.orderSummary.encode(share);
    await codecs.prepare([bytes]);
    expect(codecs.orderSummary.decode(bytes)).toEqual({ ok: true, value: share });
    expect(codecs.orderSummary.decode(codecs.orderSummary.encode(none))).toEqual({ ok: true, value: none });
    // Another schema's bytes are refused as a value, not thrown.
    const wrong = codecs.orderSummary.decode(codecs.summary.encode(SUMMARY));
    expect(wrong.ok).toBe(false);
  });

  it('an interval given without attribution fields is written with nulls', async () => {
    const codecs = createLocalCodecs();
    const bare = { ...ORDER_SHARE, intervals: [{ startMs: 1, endMs: 2, category: 'running' as const, reason: null }] };
    const bytes = codecs.orderSummary.encode(bare);
    await codecs.prepare([bytes]);
    const d = codecs.orderSummary.decode(bytes);
    expect(d.ok && d.value.intervals).toEqual([
      { startMs: 1, endMs: 2, category: 'running', reason: null, orderRef: null, workOrderId: null },
    ]);
  });

  it("shift summaries carry each interval's order; without one the decoded interval has no such keys", async () => {
    const codecs = createLocalCodecs();
    const attributed: WindowSummary = {
      ...SUMMARY,
      intervals: [{ ...SUMMARY.intervals[0]!, orderRef: 'WH/MO/00012', workOrderId: 41 }],
    };
    await codecs.prepare([codecs.summary.encode(attributed)]);
    const d = codecs.summary.decode(codecs.summary.encode(attributed));
    expect(d.ok && d.value.intervals).toEqual(attributed.intervals);
    const plain = codecs.summary.decode(codecs.summary.encode(SUMMARY));
    expect(plain.ok && plain.value.intervals).toEqual(SUMMARY.intervals);
  });

  it('topic role orderSummaries: the OrderSummary schema, topic <prefix>.order-summaries, key per share', () => {
    expect(SCHEMA_FOR_TOPIC_ROLE.orderSummaries).toBe('OrderSummary');
    expect(defaultTopics('plant-a').orderSummaries).toBe('shiftstream.plant-a.order-summaries');
    expect(orderSummaryKey(ORDER_SHARE)).toBe('p|wc|2026-03-28/early|WH/MO/00012');
    expect(orderSummaryKey({ ...ORDER_SHARE, orderRef: null })).toBe('p|wc|2026-03-28/early|');
  });
});

const ORDER_SHARE: OrderSummary = {
  plantId: 'p',
  workCenterId: 'wc',
  windowKind: 'shift',
  windowName: 'shift',
  windowId: '2026-03-28/early',
  shiftName: 'early',
  startMs: 1_774_764_000_000,
  endMs: 1_774_792_800_000,
  startLocal: '2026-03-29T08:00:00+02:00',
  endLocal: '2026-03-29T16:00:00+02:00',
  revision: 2,
  final: true,
  lengthMs: 12_600_250,
  plannedMs: 12_600_250,
  runtimeMs: 12_000_250,
  downtimeMs: 600_000,
  downtimeByReason: { jam: 600_000 },
  timeByCategory: { running: 12_000_250, idle: 0, setup: 0, planned_stop: 0, down: 600_000, unknown: 0 },
  goodCount: 412,
  scrapCount: 7.5,
  counts: { good: 412, scrap: 7.5 },
  inspectionsPassed: 0,
  inspectionsFailed: 0,
  stateChanges: 2,
  firstEventMs: 1_774_764_000_100,
  lastEventMs: 1_774_776_600_000,
  samplesApplied: 57,
  lateSamples: 1,
  idealCycleTimeMs: 4_000,
  availability: 0.952,
  performance: 0.139,
  quality: 0.982,
  oee: 0.13,
  intervals: [
    {
      startMs: 1_774_764_000_000,
      endMs: 1_774_776_000_250,
      category: 'running',
      reason: null,
      orderRef: 'WH/MO/00012',
      workOrderId: 41,
    },
    {
      startMs: 1_774_776_000_250,
      endMs: 1_774_776_600_250,
      category: 'down',
      reason: 'jam',
      orderRef: 'WH/MO/00012',
      workOrderId: 41,
    },
  ],
  orderRef: 'WH/MO/00012',
  workOrderId: 41,
  productionId: 12,
  orderSource: 'odoo',
};

const SUMMARY: WindowSummary = {
  plantId: 'p',
  workCenterId: 'wc',
  windowKind: 'tumbling',
  windowName: '15m',
  windowId: '2026-03-28T20:00:00.000Z',
  shiftName: null,
  startMs: 1_774_728_000_000,
  endMs: 1_774_728_900_000,
  startLocal: '2026-03-28T21:00:00+01:00',
  endLocal: '2026-03-28T21:15:00+01:00',
  revision: 1,
  final: true,
  lengthMs: 900_000,
  plannedMs: 900_000,
  runtimeMs: 900_000,
  downtimeMs: 0,
  downtimeByReason: {},
  timeByCategory: { running: 900_000, idle: 0, setup: 0, planned_stop: 0, down: 0, unknown: 0 },
  goodCount: 0,
  scrapCount: 0,
  counts: {},
  inspectionsPassed: 0,
  inspectionsFailed: 0,
  stateChanges: 0,
  firstEventMs: null,
  lastEventMs: null,
  samplesApplied: 0,
  lateSamples: 0,
  idealCycleTimeMs: null,
  availability: null,
  performance: null,
  quality: null,
  oee: null,
  intervals: [{ startMs: 1_774_728_000_000, endMs: 1_774_728_900_000, category: 'running', reason: null }],
};
