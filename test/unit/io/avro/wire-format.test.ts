import { describe, expect, it } from 'vitest';
import { frameWire, HEADER_LENGTH, readWireHeader } from '../../../../src/io/avro/wire-format.js';

describe('Confluent wire format', () => {
  it('writes magic byte 0 and a big-endian schema id before the body', () => {
    const framed = frameWire(0x01020304, Buffer.from([9, 8, 7]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8, 7]);
    expect(HEADER_LENGTH).toBe(5);
  });

  it('reads ids above 2^31 as unsigned', () => {
    const framed = frameWire(0xfffffffe, Buffer.alloc(0));
    expect(readWireHeader(framed)).toEqual({ ok: true, schemaId: 0xfffffffe });
  });

  it('round-trips the id', () => {
    for (const id of [0, 1, 255, 256, 65_536, 123_456_789]) {
      expect(readWireHeader(frameWire(id, Buffer.from('x')))).toEqual({ ok: true, schemaId: id });
    }
  });

  it('rejects a wrong magic byte and says what it found', () => {
    const r = readWireHeader(Buffer.from('{"tag":"x"}'));
    expect(r).toEqual({ ok: false, detail: 'expected magic byte 0x00 at offset 0, found 0x7b' });
  });

  it('rejects a record shorter than the header', () => {
    const r = readWireHeader(Buffer.from([0, 0, 1]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.detail).toContain('found 3');
  });
});
