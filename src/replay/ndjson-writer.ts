// A buffered NDJSON file writer with backpressure: lines are joined into ~256 KiB writes, and
// `ready()` waits for 'drain' when the file stream's buffer is full, so a fast replay never
// queues unbounded output in memory.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_CHARS = 256 * 1024;

export class NdjsonWriter {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private chars = 0;
  private needsDrain = false;
  private failure: Error | undefined;
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    this.parts.push(line, '\n');
    this.chars += line.length + 1;
    this.lines++;
    if (this.chars >= FLUSH_CHARS) this.flushBuffer();
  }

  /** Resolves when the stream can take more; rejects with the stream's error. */
  async ready(): Promise<void> {
    this.throwIfFailed();
    if (!this.needsDrain) return;
    this.needsDrain = false;
    await once(this.stream, 'drain'); // rejects when the stream emits 'error' meanwhile
  }

  async close(): Promise<void> {
    this.flushBuffer();
    this.throwIfFailed();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    this.throwIfFailed();
  }

  /** Rethrows the stream's error (a method, so the check is not narrowed away across awaits). */
  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private flushBuffer(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    if (!this.stream.write(text)) this.needsDrain = true;
  }
}
