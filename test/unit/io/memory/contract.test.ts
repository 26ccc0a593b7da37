// The adapter contract against the embedded log and MemoryStateStore (no servers).
import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { MemoryEventSink, MemoryEventSource, MemoryLog, MemoryStateStore } from '../../../../src/io/memory/index.js';
import { eventSourceContract, stateStoreContract } from '../../../integration/adapters/contract.js';

describe('memory event source/sink contract', () => {
  const log = new MemoryLog();
  eventSourceContract(() => ({
    createTopic: (topic, partitions) => Promise.resolve(log.createTopic(topic, partitions)),
    source: (o) => new MemoryEventSource(log, { ...o, maxBatchRecords: 64 }),
    sink: () => new MemoryEventSink(log),
    uniqueName: (label) => `${label}-${randomUUID().slice(0, 8)}`,
    deadlineMs: 5_000,
    revokeBeforeReassign: true,
  }));
});

describe('MemoryStateStore contract', () => {
  const store = new MemoryStateStore();
  stateStoreContract(() => ({ store: () => store, uniqueName: (label) => `${label}-${randomUUID().slice(0, 8)}` }));
});
