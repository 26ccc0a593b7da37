// Checkpoint payloads: the core snapshot as JSON, gzip-compressed (histories compress ~10x).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ProcessorSnapshot } from '../core/processor.js';

export function encodeSnapshot(snapshot: ProcessorSnapshot): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(snapshot)), { level: 1 });
}

export function decodeSnapshot(buf: Buffer): ProcessorSnapshot {
  return JSON.parse(gunzipSync(buf).toString('utf8')) as ProcessorSnapshot;
}
