import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatProgress, ProgressLine } from '../../../src/replay/progress.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('progress', () => {
  it('shows the bar, samples/s and an ETA from bytes read against the size', () => {
    expect(formatProgress({ samples: 1_250_000, bytesRead: 250, sizeBytes: 1000, elapsedMs: 5000 })).toBe(
      'replay  [######..................]   25%  1.3M samples  250k/s  ETA 0:15',
    );
    expect(formatProgress({ samples: 2000, bytesRead: 4096, sizeBytes: undefined, elapsedMs: 2000 })).toBe(
      'replay  2.0k samples  4.1kB read  1.0k/s  0:02',
    );
  });

  it('draws at most every 100 ms, only when enabled, and clears its line', () => {
    const out = new Capture();
    const line = new ProgressLine(out, true);
    const state = () => ({ samples: 1, bytesRead: 1, sizeBytes: 2, elapsedMs: 1000 });
    line.update(0, state);
    line.update(50, state);
    line.update(100, state);
    expect(out.text.split('\r').filter((x) => x.startsWith('replay'))).toHaveLength(2);
    line.clear();
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
    const off = new Capture();
    new ProgressLine(off, false).update(0, state);
    expect(off.text).toBe('');
  });
});
