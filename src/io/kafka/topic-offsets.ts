// A topic's low and high watermarks per partition (admin API), for bounded reads such as loading
// the orders table to its end at start (engine/orders-feed.ts).
import type { Config } from '../../config/types.js';
import { KafkaError } from '../../errors.js';
import { createKafkaJs } from './kafkajs-config.js';

export interface TopicPartitionOffsets {
  readonly partition: number;
  /** The earliest offset still in the log. */
  readonly low: string;
  /** The next offset to be written. */
  readonly high: string;
}

export async function fetchTopicOffsets(config: Config, topic: string): Promise<TopicPartitionOffsets[]> {
  const admin = createKafkaJs(config, undefined, `${config.kafka.clientId}-admin`).admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  } catch (err) {
    throw new KafkaError(
      'SHIFTSTREAM_KAFKA',
      `kafka ${config.kafka.brokers.join(',')}: could not read ` +
        `the offsets of topic ${topic}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
