// Registers the shipped schemas for a set of topics (TopicNameStrategy: `<topic>-value`).
import type { RegistryClient } from './registry-client.js';
import { loadSchema, SCHEMA_FOR_TOPIC_ROLE, valueSubject, type SchemaName } from './schema-files.js';

export type TopicRole = keyof typeof SCHEMA_FOR_TOPIC_ROLE;

export interface RegisteredTopic {
  readonly topic: string;
  readonly subject: string;
  readonly schema: SchemaName;
  readonly id: number;
}

/** `topics`: role -> topic name (as in TopicsPlan). Returns the id the registry assigned to each. */
export async function registerTopicSchemas(
  registry: RegistryClient,
  topics: Partial<Record<TopicRole, string>>,
  schemasDir?: string,
): Promise<RegisteredTopic[]> {
  const out: RegisteredTopic[] = [];
  for (const [role, topic] of Object.entries(topics) as [TopicRole, string | undefined][]) {
    if (topic === undefined) continue;
    const name = SCHEMA_FOR_TOPIC_ROLE[role];
    const schema = loadSchema(name, schemasDir);
    const subject = valueSubject(topic);
    out.push({ topic, subject, schema: name, id: await registry.register(subject, schema.text) });
  }
  return out;
}
