import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/engine/offset-tracker.js';

const tp = { topic: 't', partition: 0 };

describe('OffsetTracker', () => {
  it('never commits past an unconfirmed record, whatever order confirmations come in', () => {
    const t = new OffsetTracker();
    for (const o of ['5', '6', '7', '8']) t.add(tp, o);
    t.markDone(tp, '7');
    t.markDone(tp, '8');
    expect(t.ready()).toEqual([]);
    t.markDone(tp, '5');
    expect(t.ready()).toEqual([{ ...tp, offset: '6' }]);
    expect(t.pending()).toBe(1);
    t.markDone(tp, '6');
    expect(t.ready()).toEqual([{ ...tp, offset: '9' }]);
    expect(t.ready()).toEqual([]);
  });

  it('ignores re-delivered offsets and forgets revoked partitions', () => {
    const t = new OffsetTracker();
    t.add(tp, '1');
    t.add(tp, '1');
    t.add({ topic: 't', partition: 1 }, '3');
    expect(t.pending()).toBe(2);
    t.forget([tp]);
    expect(t.pending()).toBe(1);
    t.markDone(tp, '1');
    expect(t.ready()).toEqual([]);
  });
});
