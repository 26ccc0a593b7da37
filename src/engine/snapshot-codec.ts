// Checkpoint payloads of the windowed stage: the core snapshot plus the aligned-watermark state,
// as JSON, gzip-compressed (histories compress ~10x).
import { createGzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { ProcessorDelta, ProcessorSnapshot, WindowedProcessor } from '../core/processor.js';
import type { AlignedWatermarkSnapshot } from '../core/watermarks.js';
import { yieldToLoop } from './yield.js';

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

/** Machines' histories encoded, or stringified, between two turns of the event loop... */
const MACHINES_PER_STEP = 64;
/**
 * ...or fewer, once a step holds this many history rows: a step then takes a few ms (issue 12:
 * at 2,000 machines and a 1 h horizon, 64 machines were ~57,000 rows, 60-90 ms per step).
 */
const ROWS_PER_STEP = 8192;

/** Stands for the machines' JSON while the text around it is built; JSON never holds it raw. */
const MARK = '\u0001';

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
 * long synchronous step: the machines' histories are encoded, stringified and handed to the
 * compressor a step at a time (at most MACHINES_PER_STEP machines or about ROWS_PER_STEP rows) with
 * a turn of the event loop between (the critical lane shares this thread), and each step's arrays
 * are dropped once its text is written, so neither the whole state's copy nor the whole JSON is
 * ever held. The compression runs on libuv's thread pool as the text comes (deflate without flushes
 * gives the same bytes however its input is cut). The processor must not change until it resolves
 * (the window stage runs it under the partition's serializer).
 */
export async function encodeProcessorSnapshotInSteps(
  processor: WindowedProcessor,
  watermark: AlignedWatermarkSnapshot,
): Promise<Buffer> {
  const parts = processor.snapshotParts(MACHINES_PER_STEP, ROWS_PER_STEP);
  // {"v":1,"processor":{<head>,"machines":[<steps>],<rest>},"watermark":...}: head and rest are
  // never empty (plantId; v).
  const [outerHead, outerTail] = jsonWith({ v: 1, processor: null, watermark }, 'processor', MARK).split(MARK) as [
    string,
    string,
  ];
  const gz = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    gz.on('end', () => resolve(Buffer.concat(chunks)));
    gz.on('error', reject);
  });
  gz.write(`${outerHead}${JSON.stringify(parts.head).slice(0, -1)},"machines":[`);
  let first = true;
  let r = parts.next();
  while (r.done !== true) {
    const part = JSON.stringify(r.value).slice(1, -1);
    gz.write(first ? part : `,${part}`);
    first = false;
    await yieldToLoop();
    r = parts.next();
  }
  gz.end(`],${JSON.stringify(r.value).slice(1)}${outerTail}`);
  return done;
}
