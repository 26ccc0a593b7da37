// Runs the adapter contract on the real broker with the client named by `client`.
import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { createEventSink, createEventSource } from '../../../src/io/kafka/index.js';
import { eventSourceContract } from './contract.js';
import { createKafkaTopic, integrationConfig } from './env.js';

export function kafkaContract(client: 'kafkajs' | 'rdkafka'): void {
  describe(`${client} event source/sink contract`, () => {
    const config = integrationConfig({ SHIFTSTREAM_KAFKA__CLIENT: client });
    const run = randomUUID().slice(0, 8);
    eventSourceContract(() => ({
      createTopic: (topic, partitions) => createKafkaTopic(config, topic, partitions),
      source: (o) =>
        createEventSource(config, {
          ...o,
          clientId: `contract-${client}`,
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 300,
        }),
      sink: () => createEventSink(config, { clientId: `contract-${client}` }),
      uniqueName: (label) => `contract-${client}-${label}-${run}-${randomUUID().slice(0, 6)}`,
      deadlineMs: 60_000,
      revokeBeforeReassign: client === 'rdkafka',
    }));
  });
}
