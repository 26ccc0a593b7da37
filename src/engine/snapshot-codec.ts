// Checkpoint payloads of the windowed stage: the core snapshot plus the aligned-watermark state,
// as JSON, gzip-compressed (histories compress ~10x).
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { ProcessorDelta, ProcessorSnapshot, WindowedProcessor } from '../core/processor.js';
import type { AlignedWatermarkSnapshot } from '../core/watermarks.js';

export interface StageSnapshot {
  readonly v: 1;
  readonly processor: ProcessorSnapshot;
  readonly watermark: AlignedWatermarkSnapshot;
}

export function encodeSnapshot(snapshot: StageSnapshot): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(snapshot)), { level: 1 });
}

/**
 * The same bytes as `encodeSnapshot`, but the compression runs on libuv's thread pool: the event
 * loop (and with it the critical lane) does not wait for it. The snapshot and its JSON are still
 * built synchronously, so the state cannot change under them.
 */
export function encodeSnapshotAsync(snapshot: StageSnapshot): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(snapshot));
  return new Promise((resolve, reject) => gzip(json, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))));
}

/** An incremental checkpoint of the windowed stage: the processor's delta, the watermark whole. */
export interface StageDelta {
  readonly v: 1;
  readonly processor: ProcessorDelta;
  readonly watermark: AlignedWatermarkSnapshot;
}

/**
 * A delta's bytes: its JSON on the event loop (it is as large as what changed), the compression on
 * libuv's thread pool.
 */
export function encodeDeltaAsync(delta: StageDelta): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(delta));
  return new Promise((resolve, reject) => gzip(json, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))));
}

export function decodeDelta(buf: Buffer): StageDelta {
  const parsed = JSON.parse(gunzipSync(buf).toString('utf8')) as StageDelta;
  if (parsed.v !== 1) throw new Error(`stage delta: expected version 1, found ${String(parsed.v)}`);
  return parsed;
}

export function decodeSnapshot(buf: Buffer): StageSnapshot {
  const parsed = JSON.parse(gunzipSync(buf).toString('utf8')) as StageSnapshot;
  if (parsed.v !== 1) throw new Error(`stage snapshot: expected version 1, found ${String(parsed.v)}`);
  return parsed;
}

/** Machines' histories encoded, or stringified, between two turns of the event loop. */
const MACHINES_PER_STEP = 64;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `JSON.stringify(obj)` with the value of `key` given as JSON text: the same bytes (JSON.stringify
 * writes an object as "{", its defined `"key":value` pairs in key order joined by ",", "}").
 */
function jsonWith(obj: object, key: string, valueJson: string): string {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  let seen = false;
  for (const [k, v] of Object.entries(obj)) {
    if (k === key) seen = true;
    else if (seen) after[k] = v;
    else before[k] = v;
  }
  const b = JSON.stringify(before);
  const a = JSON.stringify(after);
  const head = b.length > 2 ? `${b.slice(0, -1)},` : '{';
  const tail = a.length > 2 ? `,${a.slice(1)}` : '}';
  return `${head}${JSON.stringify(key)}:${valueJson}${tail}`;
}

/**
 * The bytes of `encodeSnapshotAsync({ v: 1, processor: processor.snapshot(), watermark })`, with no
 * long synchronous step: the histories are encoded and stringified `MACHINES_PER_STEP` machines at
 * a time with a turn of the event loop between (the critical lane shares this thread), and the
 * compression runs on libuv's thread pool. The processor must not change until it resolves (the
 * window stage runs it under the partition's serializer).
 */
export async function encodeProcessorSnapshotInSteps(
  processor: WindowedProcessor,
  watermark: AlignedWatermarkSnapshot,
): Promise<Buffer> {
  const steps = processor.snapshotSteps(MACHINES_PER_STEP);
  let r = steps.next();
  while (r.done !== true) {
    await yieldToLoop();
    r = steps.next();
  }
  const snap = r.value;
  const parts: string[] = [];
  for (let i = 0; i < snap.machines.length; i += MACHINES_PER_STEP) {
    if (i > 0) await yieldToLoop();
    parts.push(JSON.stringify(snap.machines.slice(i, i + MACHINES_PER_STEP)).slice(1, -1));
  }
  const processorJson = jsonWith(snap, 'machines', `[${parts.join(',')}]`);
  const json = Buffer.from(jsonWith({ v: 1, processor: null, watermark }, 'processor', processorJson));
  return new Promise((resolve, reject) => gzip(json, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))));
}
