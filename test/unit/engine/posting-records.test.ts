// Dead letters read back for `dlq replay`: letters of the first release (no `payload` field), of
// the two legacy kinds (item in `summary` / `milestone`) and of kinds added later (item in `payload`).
import { describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../../src/engine/posting-records.js';
import { randomShift } from '../io/odoo/summary-fixtures.js';

const base = {
  version: 1,
  plantId: 'plant-a',
  workCenterId: 'wc-1',
  key: 'k1',
  subject: '2026-03-02/s1@1',
  attempts: 1,
  failedAtMs: 1,
  error: { code: 'SHIFTSTREAM_ODOO_VALIDATION', message: 'm', retryable: false, odooName: null, odooMessage: null },
  payloadBase64: null,
  source: null,
};
const parse = (v: object) => parseDeadLetter(Buffer.from(JSON.stringify(v)));

describe('parseDeadLetter', () => {
  it('reads a shift letter written before `payload` existed, with payload null', () => {
    const summary = randomShift('wc-1', 0, 0, 1);
    const r = parse({ ...base, service: 'shift', summary, milestone: null });
    expect(r).toMatchObject({ ok: true, value: { service: 'shift', summary, milestone: null, payload: null } });
  });

  it("reads a later kind's letter with its item in `payload`", () => {
    const payload = { orderRef: 'MO/7', qty: 3 };
    const r = parse({ ...base, service: 'orders', summary: null, milestone: null, payload });
    expect(r).toMatchObject({ ok: true, value: { service: 'orders', payload, summary: null, milestone: null } });
  });

  it('refuses a letter without its item, naming the field of its service', () => {
    expect(parse({ ...base, service: 'shift', summary: null, milestone: null })).toEqual({
      ok: false,
      problem: 'summary: expected the WindowSummary of a shift dead letter',
    });
    expect(parse({ ...base, service: 'milestone' })).toEqual({
      ok: false,
      problem: 'milestone: expected the Milestone of a milestone dead letter',
    });
    expect(parse({ ...base, service: 'orders', payload: null })).toEqual({
      ok: false,
      problem: 'payload: expected the item of a dead letter of service "orders"',
    });
  });

  it('accepts an unreadable record (raw bytes, no item) of any service, and refuses a missing service', () => {
    expect(parse({ ...base, service: 'orders', payloadBase64: 'AAEC' })).toMatchObject({
      ok: true,
      value: { payload: null, payloadBase64: 'AAEC' },
    });
    expect(parse({ ...base, service: '' })).toEqual({
      ok: false,
      problem: 'service: expected the name of a posting service (e.g. "shift"), found ""',
    });
  });
});
