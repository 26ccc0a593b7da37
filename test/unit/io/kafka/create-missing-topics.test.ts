import { describe, expect, it } from 'vitest';
import { createMissingTopics } from '../../../../src/io/kafka/admin.js';

type Admin = Parameters<typeof createMissingTopics>[0];

/** A kafkajs admin that answers from a script: what a busy broker says right after a create. */
function scriptedAdmin(metadata: (() => unknown)[], createError?: Error) {
  const calls = { create: 0, metadata: 0 };
  const admin = {
    listTopics: async () => ['exists'],
    createTopics: async () => {
      calls.create++;
      if (createError !== undefined) throw createError;
      return true;
    },
    fetchTopicMetadata: async () => {
      const step = metadata[Math.min(calls.metadata++, metadata.length - 1)]!;
      return step();
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

const notHosted = (): never => {
  throw Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
  });
};
const ready = () => ({
  topics: [
    { name: 'exists', partitions: [{ leader: 1 }, { leader: 1 }] },
    { name: 'new', partitions: [0, 1, 2, 3].map(() => ({ leader: 1 })) },
  ],
});
const noLeaderYet = () => ({
  topics: [
    { name: 'exists', partitions: [{ leader: 1 }, { leader: 1 }] },
    { name: 'new', partitions: [{ leader: -1 }, { leader: 1 }, { leader: 1 }, { leader: 1 }] },
  ],
});
const specs = [
  { topic: 'exists', partitions: 2 },
  { topic: 'new', partitions: 4, compacted: true },
];

describe('createMissingTopics', () => {
  it('keeps asking while the broker does not host the new topic yet or a partition has no leader', async () => {
    const { admin, calls } = scriptedAdmin([notHosted, notHosted, noLeaderYet, ready]);
    const counts = await createMissingTopics(admin, specs, 10_000);
    expect(counts).toEqual(
      new Map([
        ['exists', 2],
        ['new', 4],
      ]),
    );
    expect(calls).toEqual({ create: 1, metadata: 4 });
  });

  it('counts a topic another process created meanwhile as there', async () => {
    const raced = Object.assign(new Error('Topic creation errors'), {
      errors: [{ type: 'TOPIC_ALREADY_EXISTS' }],
    });
    const { admin } = scriptedAdmin([ready], raced);
    expect((await createMissingTopics(admin, specs)).get('new')).toBe(4);
  });

  it('gives up with the broker error after the timeout, and at once on any other error', async () => {
    await expect(createMissingTopics(scriptedAdmin([notHosted]).admin, specs, 200)).rejects.toThrow('does not host');
    const denied = Object.assign(new Error('Topic authorization failed'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const { admin, calls } = scriptedAdmin([ready], denied);
    await expect(createMissingTopics(admin, specs)).rejects.toThrow('authorization');
    expect(calls.metadata).toBe(0);
  });
});
