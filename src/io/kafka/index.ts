export { type AdapterLogger, type Compression, silentLogger } from './adapter-logger.js';
export { createKafkaJs, kafkaJsConfig } from './kafkajs-config.js';
export { KafkaJsEventSource, type KafkaJsEventSourceOptions } from './kafkajs-event-source.js';
export { KafkaJsEventSink, type KafkaJsEventSinkOptions } from './kafkajs-event-sink.js';
export { rdKafkaGlobalConfig } from './rdkafka-config.js';
export { RdKafkaEventSource, type RdKafkaEventSourceOptions } from './rdkafka-event-source.js';
export { RdKafkaEventSink, type RdKafkaEventSinkOptions } from './rdkafka-event-sink.js';
export { createEventSink, createEventSource, type EventSinkOptions, type EventSourceOptions } from './factory.js';
