// The `orders` posting kind: registered, its flags validated, and it refuses to post for a plant
// whose quantities come from milestones (a quantity never counts twice).
import { describe, expect, it } from 'vitest';
import { postingKind, schemaTopicsOf } from '../../../src/cli/posting-kinds.js';
import type { PostingRuntime } from '../../../src/cli/posting-kind.js';
import { UsageError } from '../../../src/errors.js';
import { loadTopology } from '../../../src/topology/index.js';

const plan = loadTopology('topologies/stamping-berlin.yaml');

describe('post --kind orders', () => {
  it('reads the order-summary topic (OrderSummary Avro) in its own consumer group', () => {
    const kind = postingKind('post', 'orders');
    expect(kind.inputs(plan)).toEqual([
      { topic: 'shiftstream.stamping-berlin.order-summaries', schema: 'OrderSummary', compacted: true },
    ]);
    expect(kind.group('stamping-berlin')).toBe('shiftstream.stamping-berlin.odoo-poster-orders');
    expect(kind.service).toBe('orders');
    expect(schemaTopicsOf(plan, [kind]).OrderSummary).toEqual(['shiftstream.stamping-berlin.order-summaries']);
  });

  it('validates --insufficient-scrap', () => {
    const kind = postingKind('post', 'orders');
    expect(() => kind.configure('post', { 'insufficient-scrap': 'maybe' })).toThrow(
      'post --insufficient-scrap: expected refuse or confirm, found "maybe"',
    );
  });

  it('refuses a plant whose quantities come from milestones, naming the topology key', () => {
    const create = postingKind('post', 'orders').configure('post', {});
    const runtime = { plan, odoo: {}, codecs: {} } as unknown as PostingRuntime;
    expect(plan.odoo.quantities).toBe('milestones');
    expect(() => create(runtime)).toThrow(UsageError);
    expect(() => create(runtime)).toThrow(/odoo\.quantities: expected orders .*found milestones/);
  });
});
