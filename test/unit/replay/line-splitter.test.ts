import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/replay/line-splitter.js';

function split(chunks: readonly Buffer[], max: number): (string | number)[] {
  const out: (string | number)[] = [];
  const s = new LineSplitter({ line: (t) => out.push(t), overlong: (n) => out.push(n) }, max);
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

function chop(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(buf.subarray(from, p));
    from = p;
  }
  chunks.push(buf.subarray(from));
  return chunks;
}

describe('LineSplitter', () => {
  it('gives the same lines however the bytes are chunked (multi-byte characters, CRLF, no final newline)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'ä', '€', '😀', ',', '\r') }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const text = lines.join('\n');
          const expected = text === '' ? [] : text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
          if (text.endsWith('\n')) expected.pop();
          expect(split(chop(Buffer.from(text), cuts), 1 << 20)).toEqual(expected);
        },
      ),
    );
  });

  it('drops the byte order mark, and reports lines over the limit by length without keeping them', () => {
    const text = `\ufeffab\n${'x'.repeat(50)}\ncd\n${'y'.repeat(30)}`;
    expect(split(chop(Buffer.from(text), [3, 10, 20, 40, 60]), 10)).toEqual(['ab', 50, 'cd', 30]);
  });
});
