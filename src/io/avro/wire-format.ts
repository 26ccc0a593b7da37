// Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body.
// https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export type WireHeader =
  { readonly ok: true; readonly schemaId: number } | { readonly ok: false; readonly detail: string };

/** Reads the header without allocating; the body starts at HEADER_LENGTH. */
export function readWireHeader(buf: Uint8Array): WireHeader {
  if (buf.length < HEADER_LENGTH) {
    return {
      ok: false,
      detail: `expected at least ${HEADER_LENGTH} bytes (magic byte + schema id), found ${buf.length}`,
    };
  }
  if (buf[0] !== MAGIC_BYTE) {
    return {
      ok: false,
      detail: `expected magic byte 0x00 at offset 0, found 0x${(buf[0] ?? 0).toString(16).padStart(2, '0')}`,
    };
  }
  // Unsigned read: ids are positive 32-bit integers.
  const schemaId = (buf[1] ?? 0) * 0x1000000 + (((buf[2] ?? 0) << 16) | ((buf[3] ?? 0) << 8) | (buf[4] ?? 0));
  return { ok: true, schemaId };
}

/** Writes the 5-byte header into `buf` at offset 0. */
export function writeWireHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeUInt32BE(schemaId, 1);
}

/** Prefixes an Avro body with the header (one allocation). */
export function frameWire(schemaId: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  writeWireHeader(out, schemaId);
  out.set(body, HEADER_LENGTH);
  return out;
}
