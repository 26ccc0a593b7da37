// Port: where records go. `send` resolves once every record is acknowledged (acks=all), so the
// caller may checkpoint after it.

export interface SinkRecord {
  readonly topic: string;
  /** An explicit partition (watermark markers go to every partition); default: by key. */
  readonly partition?: number;
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface EventSink {
  send(records: readonly SinkRecord[]): Promise<void>;
  close(): Promise<void>;
}
