// Checkpoint payloads of the windowed stage: the core snapshot plus the aligned-watermark state,
// as JSON, gzip-compressed (histories compress ~10x).
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { ProcessorSnapshot } from '../core/processor.js';
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

export function decodeSnapshot(buf: Buffer): StageSnapshot {
  const parsed = JSON.parse(gunzipSync(buf).toString('utf8')) as StageSnapshot;
  if (parsed.v !== 1) throw new Error(`stage snapshot: expected version 1, found ${String(parsed.v)}`);
  return parsed;
}
