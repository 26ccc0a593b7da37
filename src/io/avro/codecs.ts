// The pipeline's codecs (src/ports/codecs.ts) in Avro, Confluent wire format. With a registry the
// schema ids come from registering the shipped schemas; the embedded mode uses a local schema
// source with fixed ids, so both paths run the same bytes through the same decoder.
import type { MilestoneRecord } from '../../core/milestones.js';
import type { LateRecord } from '../../core/processor.js';
import type { MachineEvent, OrderSummary, RawSample, StateInterval, WindowSummary } from '../../core/types.js';
import type { TopicsPlan } from '../../topology/types.js';
import type { Codec, Codecs, Decoded, RejectedRecord } from '../../ports/codecs.js';
import type { RegistryClient, SchemaSource } from './registry-client.js';
import { loadAllSchemas, valueSubject, type SchemaName } from './schema-files.js';
import { createAvroDecoder, createAvroEncoder, type DecodeResult } from './serde.js';

export type SchemaIds = Readonly<Record<SchemaName, number>>;

type Obj = Record<string, unknown>;

function failed<T>(r: DecodeResult<unknown>): Decoded<T> {
  if (r.ok) throw new Error('unreachable');
  return { ok: false, reason: r.reason, detail: r.detail };
}

const orUndef = <T>(v: unknown): T | undefined => (v === null ? undefined : (v as T));

/** Avro record -> MachineEvent in the one fixed shape (see machineEvent in core/types). */
function eventFromAvro(a: Obj): MachineEvent {
  return {
    plantId: a.plantId as string,
    machineId: a.machineId as string,
    workCenterId: a.workCenterId as string,
    tag: a.tag as string,
    tsMs: a.tsMs as number,
    kind: a.kind as MachineEvent['kind'],
    value: a.value as MachineEvent['value'],
    category: orUndef(a.category),
    reason: orUndef(a.reason),
    counter: orUndef(a.counter),
    mode: orUndef(a.mode),
    rolloverAt: orUndef(a.rolloverAt),
    amount: orUndef(a.amount),
    milestone: orUndef(a.milestone),
    orderRef: orUndef(a.orderRef),
    quantity: orUndef(a.quantity),
    runningOrder: orUndef(a.runningOrder),
    runningWorkOrderId: orUndef(a.runningWorkOrderId),
    inspection: orUndef(a.inspection),
  };
}

function eventToAvro(e: MachineEvent): Obj {
  return {
    plantId: e.plantId,
    machineId: e.machineId,
    workCenterId: e.workCenterId,
    tag: e.tag,
    tsMs: e.tsMs,
    kind: e.kind,
    value: e.value,
    category: e.category ?? null,
    reason: e.reason ?? null,
    counter: e.counter ?? null,
    mode: e.mode ?? null,
    rolloverAt: e.rolloverAt ?? null,
    amount: e.amount ?? null,
    milestone: e.milestone ?? null,
    orderRef: e.orderRef ?? null,
    quantity: e.quantity ?? null,
    runningOrder: e.runningOrder ?? null,
    runningWorkOrderId: e.runningWorkOrderId ?? null,
    inspection: e.inspection ?? null,
  };
}

/** An interval's `orderRef`/`workOrderId` null (no attribution, or written before it) is no key. */
function intervalFromAvro(i: Obj): StateInterval {
  if (i.orderRef !== null || i.workOrderId !== null) return i as unknown as StateInterval;
  const { orderRef: _r, workOrderId: _w, ...rest } = i;
  return rest as unknown as StateInterval;
}

/** Avro record -> WindowSummary: `orders` null (tagging off, or written before it existed) is no key. */
function summaryFromAvro(a: Obj): WindowSummary {
  const intervals = (a.intervals as Obj[]).map(intervalFromAvro);
  if (a.orders !== null) return { ...a, intervals } as unknown as WindowSummary;
  const { orders: _none, ...rest } = a;
  return { ...rest, intervals } as unknown as WindowSummary;
}

const intervalToAvro = (i: StateInterval): Obj => ({
  ...i,
  orderRef: i.orderRef ?? null,
  workOrderId: i.workOrderId ?? null,
});

/** OrderSummary -> Avro: an interval without attribution fields is written with nulls (read back as null). */
function orderSummaryToAvro(s: OrderSummary): Obj {
  return { ...s, intervals: s.intervals.map(intervalToAvro) };
}

export function createCodecs(source: SchemaSource, ids: SchemaIds): Codecs {
  const schemas = loadAllSchemas();
  const make = <D, A>(
    name: SchemaName,
    toAvro: (v: D) => A,
    fromAvro: (a: A) => D,
  ): Codec<D> & { prepare: (b: Iterable<Buffer | null>) => Promise<void> } => {
    const type = schemas.get(name)!.type;
    const enc = createAvroEncoder<A>(type, ids[name]);
    const dec = createAvroDecoder<A>(type, source);
    return {
      encode: (v) => enc.encode(toAvro(v)),
      decode: (buf) => {
        const r = dec.decode(buf);
        return r.ok ? { ok: true, value: fromAvro(r.value) } : failed<D>(r);
      },
      prepare: (b) => dec.prepare(b),
    };
  };
  const raw = make<RawSample, Obj>(
    'RawSample',
    (s) => ({ tag: s.tag, ts: s.tsMs, value: s.value, quality: s.quality }),
    (a) => ({
      tag: a.tag as string,
      tsMs: a.ts as number,
      value: a.value as RawSample['value'],
      quality: a.quality as RawSample['quality'],
    }),
  );
  const event = make<MachineEvent, Obj>('MachineEvent', eventToAvro, eventFromAvro);
  const milestone = make<MilestoneRecord, Obj>(
    'Milestone',
    (m) => ({ ...m, inspection: m.inspection ?? null, material: m.material ?? null }),
    // No inspection or material (null, or written before the field existed) is no key.
    ({ inspection, material, ...rest }) =>
      ({
        ...rest,
        ...(inspection === null || inspection === undefined ? {} : { inspection }),
        ...(material === null || material === undefined ? {} : { material }),
      }) as unknown as MilestoneRecord,
  );
  const summary = make<WindowSummary, Obj>(
    'WindowSummary',
    (s) => ({ ...s, orders: s.orders ?? null, intervals: s.intervals.map(intervalToAvro) }),
    summaryFromAvro,
  );
  const orderSummary = make<OrderSummary, Obj>('OrderSummary', orderSummaryToAvro, (a) => a as unknown as OrderSummary);
  const rejected = make<RejectedRecord, Obj>(
    'Rejected',
    (r) => ({ ...r }),
    (a) => a as unknown as RejectedRecord,
  );
  const late = make<LateRecord, Obj>(
    'Late',
    (l) => ({
      event: eventToAvro(l.event),
      latenessMs: l.latenessMs,
      watermarkMs: l.watermarkMs,
      amended: l.amended,
      affectedWindows: l.windows,
    }),
    (a) => {
      const event = eventFromAvro(a.event as Obj);
      return {
        plantId: event.plantId,
        workCenterId: event.workCenterId,
        machineId: event.machineId,
        tag: event.tag,
        tsMs: event.tsMs,
        watermarkMs: a.watermarkMs as number,
        latenessMs: a.latenessMs as number,
        amended: a.amended as boolean,
        windows: a.affectedWindows as LateRecord['windows'],
        event,
      };
    },
  );
  const all = [raw, event, milestone, summary, rejected, late, orderSummary];
  return {
    async prepare(buffers) {
      const list = [...buffers];
      // One decoder per schema shares nothing; ids are few, so each prepares the batch's ids once.
      await Promise.all(all.map((c) => c.prepare(list)));
    },
    raw,
    event,
    milestone,
    summary,
    rejected,
    late,
    orderSummary,
  };
}

const LOCAL_IDS: SchemaIds = {
  RawSample: 1,
  MachineEvent: 2,
  Milestone: 3,
  WindowSummary: 4,
  Rejected: 5,
  Late: 6,
  OrderSummary: 7,
};

/** Embedded mode: the shipped schemas under fixed local ids, no registry. */
export function createLocalCodecs(): Codecs {
  const schemas = loadAllSchemas();
  const byId = new Map<number, string>();
  for (const [name, id] of Object.entries(LOCAL_IDS) as [SchemaName, number][]) byId.set(id, schemas.get(name)!.text);
  const source: SchemaSource = { fetchSchema: (id) => Promise.resolve(byId.get(id)) };
  return createCodecs(source, LOCAL_IDS);
}

/**
 * Registers the shipped schemas under the topics' subjects (TopicNameStrategy) and returns codecs
 * using the ids the registry assigned. Topics sharing a schema get the same id (content ids).
 */
export async function createRegistryCodecs(
  registry: RegistryClient,
  /** A schema left out (or with no topics) is not registered: its codec cannot encode. */
  topicsBySchema: Partial<Readonly<Record<SchemaName, readonly string[]>>>,
): Promise<{ codecs: Codecs; ids: SchemaIds }> {
  const schemas = loadAllSchemas();
  const ids = {} as Record<SchemaName, number>;
  for (const [name, topics] of Object.entries(topicsBySchema) as [SchemaName, readonly string[] | undefined][]) {
    if (topics === undefined) continue;
    for (const topic of topics) ids[name] = await registry.register(valueSubject(topic), schemas.get(name)!.text);
  }
  return { codecs: createCodecs(registry, ids), ids };
}

/** Which schema each of a topology's topics carries (TopicNameStrategy subjects `<topic>-value`). */
export function topologySchemaTopics(t: TopicsPlan): Record<SchemaName, string[]> {
  return {
    RawSample: [t.raw],
    MachineEvent: [t.canonical, t.enriched],
    Milestone: [t.milestones],
    WindowSummary: [t.windowSummaries, t.shiftSummaries],
    Rejected: [t.rejected],
    Late: [t.late],
    OrderSummary: [t.orderSummaries],
  };
}
