// The `orders` section (order tagging) and `topics.orders`: defaults, overrides, validation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintTopologyText, loadTopologyFromString } from '../../../src/topology/index.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/topologies/minimal.yaml'), 'utf8');

describe('topology: orders', () => {
  it('is off by default, with the topic orders sync writes and a 60 s load deadline', () => {
    const plan = loadTopologyFromString(MINIMAL, 'minimal.yaml');
    expect(plan.orders).toEqual({
      tagging: false,
      attribution: false,
      topic: 'shiftstream.fixture.orders',
      loadTimeoutMs: 60_000,
    });
    // Not one of the pipeline's topics (run creates, registers and reads those).
    expect('orders' in plan.topics).toBe(false);
  });

  it('reads tagging, loadTimeout and topics.orders', () => {
    const plan = loadTopologyFromString(
      `${MINIMAL}\norders:\n  tagging: true\n  loadTimeout: 2m\ntopics:\n  orders: plant-a.released-orders\n`,
      'x.yaml',
    );
    expect(plan.orders).toEqual({
      tagging: true,
      attribution: false,
      topic: 'plant-a.released-orders',
      loadTimeoutMs: 120_000,
    });
    expect('orders' in plan.topics).toBe(false);
  });

  it('refuses unknown keys and wrong types under orders, naming what is allowed', () => {
    const problems = lintTopologyText(`${MINIMAL}\norders:\n  taging: true\n`, 'x.yaml').problems;
    expect(problems.map((p) => `${p.rule} ${p.path} ${p.message}`)).toEqual([
      "schema /orders/taging unknown key 'taging' in /orders: " +
        "expected one of tagging, attribution, loadTimeout (did you mean 'tagging'?)",
    ]);
    const typed = lintTopologyText(`${MINIMAL}\norders:\n  tagging: yes please\n`, 'x.yaml').problems;
    expect(typed.map((p) => `${p.rule} ${p.path}`)).toEqual(['schema /orders/tagging']);
  });
});
