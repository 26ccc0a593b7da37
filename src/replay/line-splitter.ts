// Splits decoded chunks into lines without holding more than one partial line. Chosen over
// node:readline after measuring both on the same file (docs/replay.md, "Throughput"): readline
// adds an event per line and an async iterator turn per line when iterated with for-await.
import { StringDecoder } from 'node:string_decoder';

export interface LineSink {
  /** A complete line without its `\n` (and without a trailing `\r`). */
  line(text: string): void;
  /** A line longer than the limit: its text was dropped, only its length is known. */
  overlong(length: number): void;
}

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  /** Characters of the current over-long line dropped so far (0: not in an over-long line). */
  private dropped = 0;
  private first = true;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineChars: number,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
    }
    this.scan(text);
  }

  end(): void {
    this.scan(this.decoder.end());
    if (this.dropped > 0) {
      this.sink.overlong(this.dropped + this.carry.length);
    } else if (this.carry.length > 0) {
      this.emit(this.carry);
    }
    this.carry = '';
    this.dropped = 0;
  }

  private scan(text: string): void {
    let from = 0;
    let nl = text.indexOf('\n');
    if (nl !== -1 && (this.carry.length > 0 || this.dropped > 0)) {
      const head = text.slice(0, nl);
      if (this.dropped > 0) {
        this.sink.overlong(this.dropped + head.length);
        this.dropped = 0;
      } else if (this.carry.length + head.length > this.maxLineChars) {
        this.sink.overlong(this.carry.length + head.length);
      } else {
        this.emit(this.carry + head);
      }
      this.carry = '';
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    while (nl !== -1) {
      if (nl - from > this.maxLineChars) this.sink.overlong(nl - from);
      else this.emit(text.slice(from, nl));
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    if (from < text.length) {
      if (this.dropped > 0) this.dropped += text.length - from;
      else {
        // A non-empty carry here means the chunk had no newline at all (from is 0).
        this.carry = this.carry.length > 0 ? this.carry + text : text.slice(from);
        if (this.carry.length > this.maxLineChars) {
          this.dropped = this.carry.length;
          this.carry = '';
        }
      }
    }
  }

  private emit(line: string): void {
    this.sink.line(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  }
}
