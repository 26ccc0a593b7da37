// `shiftstream ingest` from MQTT: every message is parsed (mqtt-samples.ts), checked like any raw
// sample (mapSample, event time), appended to the spool (fsync'd) and only then acknowledged to
// the MQTT broker. A forwarder drains the spool in order into the raw topic, one Kafka transaction
// per batch that also records the last spool sequence sent (IngestSink), and moves the spool
// cursor after the commit. After a failure (Kafka unreachable, a restart after kill -9) the next
// open() returns the last committed sequence, so the spool resumes exactly after it: nothing
// acknowledged is lost, nothing is sent twice. A redelivered message (DUP) that is already in the
// spool (the process died between the fsync and the PUBACK) is acknowledged without spooling it again.
//
// Several messages are in flight (the source does not wait for one handler before calling the
// next), so their appends share one fdatasync (the spool's group commit). Each message is staged
// in the order received (parse, map, rejects, the spool append called, which fixes its place in
// the spool); its handler resolves, and so its PUBACK may go, only when that append's promise
// resolved, i.e. after the fdatasync that covers its records.
import { promises as fs } from 'node:fs';
import { mapSample } from '../core/mapping.js';
import type { PlantPlan } from '../core/plan.js';
import type { RawSample } from '../core/types.js';
import type { Codec } from '../ports/codecs.js';
import type { IngestPosition, IngestSink } from '../ports/ingest-sink.js';
import type { ConnectionState, InboundMessage, MessageSource } from '../ports/message-source.js';
import type { SparkplugCodec } from '../ports/sparkplug-codec.js';
import type { Spool, SpoolRecord } from '../ports/spool.js';
import type { MqttSubscriptionPlan, SparkplugPlan } from '../topology/ingest-section.js';
import { drainPauseMs, isDraining } from './drain-pace.js';
import { samplesOf } from './mqtt-samples.js';
import { SparkplugSession, type SparkplugSnapshot, type RebirthReason } from './sparkplug.js';

export interface IngestLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface MqttIngestCounters {
  readonly received: (samples: number, input: 'mqtt' | 'sparkplug') => void;
  readonly forwarded: (samples: number) => void;
  readonly rejected: (reason: string, input: 'mqtt' | 'sparkplug') => void;
  readonly connection: (state: ConnectionState) => void;
  readonly rebirth?: (reason: RebirthReason) => void;
  /** Kafka answered (a sink opened) or stopped answering; the spool keeps taking samples either way. */
  readonly kafka?: (up: boolean, detail: string) => void;
  /** Spool depth, bytes, oldest age (s, 0 when empty) and drain rate (samples/s), about once a second. */
  readonly spool: (depth: number, bytes: number, oldestAgeS: number, drainPerS: number) => void;
}

export interface MqttIngestOptions {
  readonly plan: PlantPlan;
  readonly rawTopic: string;
  readonly subscriptions: readonly MqttSubscriptionPlan[];
  /** Sparkplug B on `spBv1.0/...` topics; the births are kept in `stateFile` (fsync'd) across restarts. */
  readonly sparkplug?: { readonly plan: SparkplugPlan; readonly codec: SparkplugCodec; readonly stateFile: string };
  readonly source: MessageSource;
  readonly spool: Spool;
  /** A new sink (after a failure the old one is closed and a new one opened, fencing it). */
  readonly sink: () => IngestSink;
  /** Runs once before the first send (e.g. create the raw topic); retried with the sink. */
  readonly prepare?: () => Promise<void>;
  readonly codec: Codec<RawSample>;
  readonly rejectsFile: string;
  /** The input's name in positions and logs, e.g. `mqtt:<clientId>`. */
  readonly inputName: string;
  readonly batchRecords?: number;
  /**
   * Share of the forwarder's capacity a drain after recovery may use, in (0, 1] (drain-pace.ts).
   * Default 1: no pause.
   */
  readonly drainShare?: number;
  readonly log: IngestLog;
  readonly counters?: MqttIngestCounters;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

const RECENT = 4096;
const MAX_BACKOFF_MS = 10_000;
/** A send without an answer for this long reports Kafka as unreachable (readiness detail). */
const STALL_MS = 5_000;
const LINGER_MS = 50;

/** A record's identity for the duplicate check: key and value bytes (latin1 maps bytes 1:1; cheaper than a hash). */
const digest = (r: SpoolRecord): string => `${r.key}\0${r.value.toString('latin1')}`;

/**
 * The position committed with a batch: the last spool sequence sent (`line`) and the spool's id in
 * place of a file hash; nothing else (so the offset alone restores it, rdkafka-ingest-sink.ts).
 */
export function spoolPosition(inputName: string, spoolId: string, seq: number): IngestPosition {
  return {
    line: seq,
    rejectedBytes: 0,
    produced: seq + 1,
    rejected: 0,
    input: { name: inputName, sizeBytes: null, headSha256: spoolId },
    done: false,
  };
}

export async function runMqttIngest(o: MqttIngestOptions): Promise<{ forwarded: number; received: number }> {
  const now = o.now ?? Date.now;
  // The last RECENT records appended (a ring), each with the promise of its append (durable when
  // resolved) and whether that append failed. Only a redelivered message (DUP) looks them up, so the
  // index by digest is built when one comes, kept up to date while they come, and dropped once
  // RECENT records went by without one: following live input, remembering a record is one ring slot.
  // (Digests and a Map update per record were ~4 % of the CPU; evicting a Map's oldest key through
  // keys().next() walked the deleted entries first and was a tenth of it, hence the ring.)
  type Recent = { readonly record: SpoolRecord; readonly durable: Promise<void>; failed: boolean };
  const ring: (Recent | undefined)[] = new Array<Recent | undefined>(RECENT);
  let ringAt = 0;
  let index: Map<string, Recent> | undefined;
  let sinceDup = 0;
  const remember = (e: Recent): void => {
    const old = ring[ringAt];
    ring[ringAt] = e;
    ringAt = (ringAt + 1) % RECENT;
    if (index === undefined) return;
    if (old !== undefined) {
      const h = digest(old.record);
      if (index.get(h) === old) index.delete(h); // else a later append of the same record is the one kept
    }
    if (++sinceDup > RECENT) index = undefined;
    else index.set(digest(e.record), e);
  };
  /** The latest of the last RECENT appends of each record, by digest. */
  const recentIndex = (): Map<string, Recent> => {
    sinceDup = 0;
    if (index === undefined) {
      index = new Map();
      for (let i = 0; i < RECENT; i++) {
        const e = ring[(ringAt + i) % RECENT]; // oldest first: the latest append wins
        if (e !== undefined) index.set(digest(e.record), e);
      }
    }
    return index;
  };
  const restored = Promise.resolve();
  for (const record of await o.spool.tail(RECENT)) remember({ record, durable: restored, failed: false });
  const rejects = await fs.open(o.rejectsFile, 'a');
  let received = 0;
  let forwarded = 0;
  let rejectsLogged = 0;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };

  const reject = async (topic: string, reason: string, detail: string, payload: Buffer): Promise<void> => {
    o.counters?.rejected(reason, SparkplugSession.isSparkplugTopic(topic) ? 'sparkplug' : 'mqtt');
    const raw = payload.length > 4096 ? payload.subarray(0, 4096) : payload;
    // Sparkplug payloads are protobuf: kept as base64.
    const kept = SparkplugSession.isSparkplugTopic(topic)
      ? { rawBase64: raw.toString('base64') }
      : { raw: raw.toString('utf8') };
    await rejects.write(`${JSON.stringify({ atMs: now(), topic, reason, detail, ...kept })}\n`);
    if (rejectsLogged++ < 20) o.log.warn({ topic, reason }, `rejected: ${detail}`);
  };

  const sp = o.sparkplug;
  const session =
    sp === undefined
      ? undefined
      : new SparkplugSession(sp.plan, (tag) => o.plan.tags.get(tag)?.kind === 'state', await loadBirths(sp.stateFile));

  /** A message staged: its samples' place in the spool is fixed; `durable` resolves after their fdatasync. */
  type Staged = { readonly durable?: Promise<void> };
  const handleSparkplug = async (m: InboundMessage, s: SparkplugSession, codec: SparkplugCodec): Promise<Staged> => {
    const d = codec.decode(m.payload);
    if (!d.ok) {
      o.counters?.received(1, 'sparkplug');
      await reject(m.topic, 'sparkplug-decode', `topic '${m.topic}': ${d.detail}`, m.payload);
      return {};
    }
    const r = s.handle(m.topic, d.payload, now());
    o.counters?.received(r.samples.length + r.rejects.length, 'sparkplug');
    for (const x of r.rejects) await reject(m.topic, x.reason, x.detail, m.payload);
    if (r.birthsChanged) await saveBirths(sp!.stateFile, s.snapshot());
    if (r.death !== undefined)
      o.log.info(
        { topic: m.topic, stateTags: r.death.stateTags },
        `sparkplug death of ${r.death.what}` +
          (sp!.plan.deathValue === undefined ? ': no deathValue configured, its machines go unknown by silence' : ''),
      );
    const staged = await spoolSamples(m, r.samples);
    if (r.rebirth !== undefined) {
      o.counters?.rebirth?.(r.rebirth.reason);
      o.log.warn(
        { topic: r.rebirth.topic, reason: r.rebirth.reason },
        `sparkplug rebirth requested: ${r.rebirth.detail}`,
      );
      // QoS 0 as the Sparkplug spec has NCMD; a lost request is asked again on the next gap.
      await o.source.publish(r.rebirth.topic, codec.rebirthRequest(now()), 0).catch((err: unknown) => {
        o.log.error({ err, topic: r.rebirth?.topic }, 'sparkplug rebirth request could not be published');
      });
    }
    return staged;
  };

  const stage = async (m: InboundMessage): Promise<Staged> => {
    if (session !== undefined && SparkplugSession.isSparkplugTopic(m.topic))
      return handleSparkplug(m, session, sp!.codec);
    const v = samplesOf(o.subscriptions, m.topic, m.payload);
    if (!v.ok) {
      o.counters?.received(1, 'mqtt');
      await reject(m.topic, v.reject.reason, v.reject.detail, m.payload);
      return {};
    }
    o.counters?.received(v.samples.length, 'mqtt');
    return spoolSamples(m, v.samples);
  };

  // Staging runs one message after the other, in the order received (the spool order, the per-tag
  // order, the Sparkplug seq checks); waiting for durability does not hold the next message back.
  let staging: Promise<unknown> = Promise.resolve();
  const handle = async (m: InboundMessage): Promise<void> => {
    const staged = staging.then(() => stage(m));
    staging = staged.catch(() => undefined);
    await (
      await staged
    ).durable;
  };

  const spoolSamples = async (m: InboundMessage, samples: readonly RawSample[]): Promise<Staged> => {
    received += samples.length;
    const records: SpoolRecord[] = [];
    for (const s of samples) {
      const tagPlan = o.plan.tags.get(s.tag);
      const sample = tagPlan === undefined || tagPlan.tag === s.tag ? s : { ...s, tag: tagPlan.tag };
      const verdict = mapSample(o.plan, sample);
      if (!verdict.ok) {
        await reject(m.topic, verdict.reason, verdict.detail, m.payload);
        continue;
      }
      records.push({ key: sample.tag, value: o.codec.encode(sample) });
    }
    if (records.length === 0) return {};
    // Spooled before (the crash or the reconnect fell before the PUBACK): acknowledged once that
    // earlier append is durable, not spooled again.
    if (m.dup) {
      const idx = recentIndex();
      const earlier = records.map((r) => idx.get(digest(r)));
      if (earlier.every((e) => e !== undefined && !e.failed)) {
        const durable = Promise.all(earlier.map((e) => e!.durable)).then(() => undefined);
        durable.catch(() => undefined); // awaited by the handler; not an unhandled rejection meanwhile
        return { durable };
      }
    }
    const durable = o.spool.append(records);
    const entries = records.map((record): Recent => ({ record, durable, failed: false }));
    for (const e of entries) remember(e);
    durable.then(notify, () => {
      // Not on disk: a redelivery must spool it again (the ring forgets it in its turn).
      for (const e of entries) e.failed = true;
    });
    return { durable };
  };

  // ---- the forwarder -----------------------------------------------------------------------
  let stopping = false;
  let sink: IngestSink | undefined;
  let prepared = false;
  let backoffMs = 0;
  let down = false;
  let inFlight: { sinceMs: number; records: number } | undefined;
  let lastCommitAtMs = 0;
  let stalled = false;
  /** A drain is under way (paced by drainShare): set when Kafka answers with a backlog. */
  let draining = false;
  const position = (seq: number): IngestPosition => spoolPosition(o.inputName, o.spool.id, seq);
  const stopped = new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
  const sleep = async (ms: number): Promise<void> => {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (t = setTimeout(resolve, ms))), stopped]);
    clearTimeout(t);
  };
  const failed = async (err: unknown, what: string): Promise<void> => {
    if (!down) {
      o.log.error({ err }, `${what}: samples stay in the spool and are sent once Kafka answers`);
      o.counters?.kafka?.(false, `${what} at ${new Date(now()).toISOString()}: ${(err as Error).message}; spooling`);
    }
    down = true;
    o.spool.rewind();
    await sink?.close().catch(() => undefined);
    sink = undefined;
    backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, backoffMs * 2));
    await sleep(backoffMs * (0.8 + Math.random() * 0.4));
  };
  const forward = async (): Promise<void> => {
    // Stops at the abort (or at close): the resolved `stopped` must not turn the idle wait into a
    // spin that starves the timers of the shutdown.
    while (!stopping && !o.signal.aborted) {
      if (sink === undefined) {
        try {
          if (!prepared) {
            await o.prepare?.();
            prepared = true;
          }
          const s = o.sink();
          sink = s;
          const committed = await s.open();
          if (committed !== undefined && committed.input.headSha256 === o.spool.id) await o.spool.ack(committed.line);
          o.spool.rewind();
          const depth = o.spool.stats(now()).depth;
          draining = isDraining(depth, o.batchRecords ?? 5_000);
          if (draining)
            o.log.info(
              { depth, drainShare: o.drainShare ?? 1 },
              `kafka answers: draining ${depth} spooled samples at ` +
                `${Math.round((o.drainShare ?? 1) * 100)} % of capacity`,
            );
          else if (down) o.log.info({}, 'kafka answers again: draining the spool');
          o.counters?.kafka?.(true, 'producing to the raw topic');
          down = false;
          backoffMs = 0;
        } catch (err) {
          await failed(err, 'kafka unreachable');
          continue;
        }
      }
      // Linger: at most one transaction per LINGER_MS unless a full batch waits. Following live
      // input one message at a time, a transaction per sample cost ~0.4 ms of CPU each
      // (bench/ingest-mqtt.mjs).
      const max = o.batchRecords ?? 5_000;
      const since = now() - lastCommitAtMs;
      if (since < LINGER_MS && o.spool.stats(now()).depth < max) await sleep(LINGER_MS - since);
      const batch = await o.spool.read(max);
      if (batch.length === 0) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(200), stopped]);
        continue;
      }
      const last = batch[batch.length - 1]!;
      const sentAtMs = now();
      inFlight = { sinceMs: sentAtMs, records: batch.length };
      try {
        await sink.commit(
          batch.map((r) => ({ topic: o.rawTopic, key: r.key, value: r.value })),
          position(last.seq),
        );
      } catch (err) {
        inFlight = undefined;
        await failed(err, 'send to kafka failed');
        continue;
      }
      inFlight = undefined;
      lastCommitAtMs = now();
      if (stalled) {
        stalled = false;
        o.counters?.kafka?.(true, 'producing to the raw topic');
      }
      await o.spool.ack(last.seq);
      forwarded += batch.length;
      o.counters?.forwarded(batch.length);
      if (draining) {
        if (!isDraining(o.spool.stats(now()).depth, max)) {
          draining = false;
          o.log.info({}, 'spool drained: following live input');
        } else {
          const pause = drainPauseMs(lastCommitAtMs - sentAtMs, o.drainShare ?? 1);
          if (pause > 0) await sleep(pause);
        }
      }
    }
  };

  let lastForwarded = 0;
  let lastAt = now();
  const statsTimer = setInterval(() => {
    const t = now();
    const st = o.spool.stats(t);
    const rate = t > lastAt ? ((forwarded - lastForwarded) * 1000) / (t - lastAt) : 0;
    lastForwarded = forwarded;
    lastAt = t;
    o.counters?.spool(st.depth, st.bytes, (st.oldestAgeMs ?? 0) / 1000, rate);
    // kafkajs retries a send for a long while before it fails: say so before that.
    if (inFlight !== undefined && !stalled && t - inFlight.sinceMs >= STALL_MS) {
      stalled = true;
      o.counters?.kafka?.(
        false,
        `no acknowledgement for a batch of ${inFlight.records} samples sent ` +
          `${Math.round((t - inFlight.sinceMs) / 1000)} s ago; spooling`,
      );
    }
  }, 1_000);
  o.source.onState((state, detail) => {
    o.counters?.connection(state);
    o.log.info({ state, detail }, `mqtt ${state}`);
  });

  const forwarding = forward();
  try {
    await o.source.start(handle);
    o.log.info({ subscriptions: o.subscriptions.map((s) => s.filter) }, 'mqtt subscribed');
    if (!o.signal.aborted) await stopped;
  } finally {
    o.log.info({}, 'stopping: closing the mqtt session, finishing the batch in flight');
    await o.source.close().catch(() => undefined);
    stopping = true;
    notify();
    await forwarding;
    clearInterval(statsTimer);
    await sink?.close().catch(() => undefined);
    await rejects.close();
  }
  return { forwarded, received };
}

async function loadBirths(path: string): Promise<SparkplugSnapshot | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as SparkplugSnapshot;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(
      `${path}: expected the Sparkplug births written by an earlier ingest, found: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** Written before the birth message is acknowledged: tmp file, fsync, rename. */
async function saveBirths(path: string, snapshot: SparkplugSnapshot): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await fs.open(tmp, 'w');
  try {
    await h.writeFile(JSON.stringify(snapshot));
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, path);
}
