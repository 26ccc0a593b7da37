// Picks the Kafka client by `config.kafka.client` ('kafkajs' default, 'rdkafka').
import type { Config } from '../../config/types.js';
import type { EventSink } from '../../ports/event-sink.js';
import type { EventSource } from '../../ports/event-source.js';
import type { AdapterLogger, Compression } from './adapter-logger.js';
import { createKafkaJs } from './kafkajs-config.js';
import { KafkaJsEventSink } from './kafkajs-event-sink.js';
import { KafkaJsEventSource } from './kafkajs-event-source.js';
import { RdKafkaEventSink } from './rdkafka-event-sink.js';
import { RdKafkaEventSource } from './rdkafka-event-source.js';

export interface EventSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly clientId?: string;
  readonly logger?: AdapterLogger;
  /** Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** kafkajs only: heartbeat interval, i.e. how fast a rebalance is noticed. Default 1 s. */
  readonly heartbeatIntervalMs?: number;
}

export interface EventSinkOptions {
  readonly clientId?: string;
  readonly logger?: AdapterLogger;
  /** Default 'none'; 'lz4' only with rdkafka. */
  readonly compression?: Compression;
  /**
   * 'critical': a producer for the critical lane (milestones), never batched behind bulk records:
   * rdkafka linger.ms 0 and delivery reports polled every millisecond; kafkajs a producer of its
   * own (its requests go out alone, one in flight per producer). Default 'bulk'.
   */
  readonly lane?: 'bulk' | 'critical';
}

export function createEventSource(config: Config, options: EventSourceOptions): EventSource {
  const clientId = options.clientId ?? config.kafka.clientId;
  if (config.kafka.client === 'rdkafka') {
    return new RdKafkaEventSource(config, {
      groupId: options.groupId,
      topics: options.topics,
      clientId,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    });
  }
  return new KafkaJsEventSource(createKafkaJs(config, options.logger, clientId), {
    groupId: options.groupId,
    topics: options.topics,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  });
}

export function createEventSink(config: Config, options: EventSinkOptions = {}): EventSink {
  const clientId = options.clientId ?? config.kafka.clientId;
  if (config.kafka.client === 'rdkafka') {
    return new RdKafkaEventSink(config, {
      clientId,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.compression === undefined ? {} : { compression: options.compression }),
      ...(options.lane === 'critical' ? { lingerMs: 0, pollIntervalMs: 1 } : {}),
    });
  }
  return new KafkaJsEventSink(createKafkaJs(config, options.logger, clientId), {
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.compression === undefined ? {} : { compression: options.compression }),
  });
}
