export { MemoryLog, type MemoryLogOptions, type MemoryRecord } from './memory-log.js';
export { MemoryGroup } from './memory-group.js';
export { MemoryEventSource, type MemoryEventSourceOptions } from './memory-event-source.js';
export { MemoryEventSink } from './memory-event-sink.js';
export { MemoryStateStore } from './memory-state-store.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { createMemoryKeyValue } from './memory-key-value.js';
