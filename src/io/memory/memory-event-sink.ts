// EventSink over the embedded log: a send is appended at once (the log is the acknowledgement).
import type { EventSink, SinkRecord } from '../../ports/event-sink.js';
import type { MemoryLog } from './memory-log.js';

export class MemoryEventSink implements EventSink {
  constructor(private readonly log: MemoryLog) {}

  send(records: readonly SinkRecord[]): Promise<void> {
    this.log.append(records);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
