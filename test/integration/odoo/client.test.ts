// The client and master data against the stand-in, over every protocol case.
import { afterEach, describe, expect, it } from 'vitest';
import { OdooError } from '../../../src/errors.js';
import type { OdooClient } from '../../../src/io/odoo/client.js';
import { createOdooClient } from '../../../src/io/odoo/client.js';
import { createMasterData } from '../../../src/io/odoo/master-data.js';
import type { OdooStandin, StandinVersion } from '../../../src/testkit/odoo-standin/index.js';
import { startOdooStandin } from '../../../src/testkit/odoo-standin/index.js';
import type { ProtocolChoice } from '../../../src/io/odoo/client.js';

const CASES: readonly {
  name: string;
  version: StandinVersion;
  protocol: ProtocolChoice;
  expect: 'json2' | 'jsonrpc';
}[] = [
  { name: 'Odoo 19 auto -> JSON-2', version: 19, protocol: 'auto', expect: 'json2' },
  { name: 'Odoo 19 forced JSON-RPC', version: 19, protocol: 'jsonrpc', expect: 'jsonrpc' },
  { name: 'Odoo 18 auto -> JSON-RPC', version: 18, protocol: 'auto', expect: 'jsonrpc' },
  { name: 'Odoo 17 auto -> JSON-RPC', version: 17, protocol: 'auto', expect: 'jsonrpc' },
];

let standin: OdooStandin | undefined;
let client: OdooClient | undefined;
afterEach(async () => {
  client?.close();
  await standin?.stop();
  standin = undefined;
  client = undefined;
});

async function start(
  version: StandinVersion,
  protocol: ProtocolChoice,
  apiKey?: string,
): Promise<{ s: OdooStandin; c: OdooClient }> {
  standin = await startOdooStandin({ version, workCenters: [{ code: 'WC-01' }, { code: 'WC-02' }] });
  client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: apiKey ?? standin.apiKey,
    protocol,
    timeoutMs: 2_000,
    readRetry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 3 },
  });
  return { s: standin, c: client };
}

const PROD = 'mrp.workcenter.productivity';

describe.each(CASES)('odoo client: $name', (tc) => {
  it('detects the version and protocol, authenticates and does CRUD', async () => {
    const { s, c } = await start(tc.version, tc.protocol);
    const v = await c.version();
    expect(v).toMatchObject({ major: tc.version, protocol: tc.expect });
    expect(await c.authenticate()).toBe(s.uid);
    const wc = (
      await c.searchRead<{ id: number; code: string; company_id: [number, string] }>(
        'mrp.workcenter',
        [['code', '=', 'WC-02']],
        ['id', 'code', 'company_id'],
      )
    )[0];
    expect(wc?.company_id[0]).toBe(s.companyId);
    const ids = await c.create(PROD, [
      {
        workcenter_id: wc?.id,
        loss_id: 7,
        date_start: '2026-03-01 06:00:00',
        date_end: '2026-03-01 07:30:00',
        description: 'a',
        company_id: 1,
      },
      {
        workcenter_id: wc?.id,
        loss_id: 2,
        date_start: '2026-03-01 07:30:00',
        date_end: '2026-03-01 07:45:30',
        description: 'b',
        company_id: 1,
      },
    ]);
    expect(ids).toHaveLength(2);
    const rows = await c.searchRead<{ id: number; duration: number; loss_type: string; description: string }>(
      PROD,
      [['id', 'in', ids]],
      ['duration', 'loss_type', 'description'],
      { order: 'id asc' },
    );
    expect(rows.map((r) => [r.description, r.duration, r.loss_type])).toEqual([
      ['a', 90, 'productive'],
      ['b', 15.5, 'availability'],
    ]);
    expect(await c.searchCount(PROD, ['|', ['description', 'ilike', 'A'], ['description', '=', 'b']])).toBe(2);
    expect(await c.write(PROD, [ids[1] as number], { description: 'b2' })).toBe(true);
    expect(await c.search(PROD, [['description', 'ilike', 'b2']])).toEqual([ids[1]]);
    const groups = await c.readGroup(PROD, [['workcenter_id', '=', wc?.id]], ['loss_id'], ['duration:sum']);
    expect(
      groups.map((g) => [(g.groups['loss_id'] as [number, string])[0], g.aggregates['duration:sum'], g.count]).sort(),
    ).toEqual([
      [2, 15.5, 1],
      [7, 90, 1],
    ]);
    expect(await c.unlink(PROD, ids)).toBe(true);
    expect(await c.searchCount(PROD, [])).toBe(0);
    // readGroup went through the version's method.
    expect(s.calls.count(PROD, tc.version >= 19 ? 'formatted_read_group' : 'read_group')).toBe(1);
  });

  it('maps Odoo errors: unknown field, missing required field, missing record, bad many2one, wrong key', async () => {
    const { s, c } = await start(tc.version, tc.protocol);
    const e1 = await c.create(PROD, [{ nope: 1 }]).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(OdooError);
    expect(e1).toMatchObject({ code: 'SHIFTSTREAM_ODOO_VALIDATION', details: { odooName: 'builtins.ValueError' } });
    const e2 = await c
      .create(PROD, [{ workcenter_id: 1, date_start: '2026-03-01 06:00:00', company_id: 1 }])
      .catch((e: unknown) => e);
    expect(e2).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_VALIDATION',
      details: { odooName: 'odoo.exceptions.ValidationError' },
    });
    expect((e2 as OdooError).message).toContain('loss_id');
    const e3 = await c.write(PROD, [999], { description: 'x' }).catch((e: unknown) => e);
    expect(e3).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_MISSING',
      details: { odooName: 'odoo.exceptions.MissingError' },
    });
    const e4 = await c
      .create(PROD, [{ workcenter_id: 77, loss_id: 7, date_start: '2026-03-01 06:00:00', company_id: 1 }])
      .catch((e: unknown) => e);
    expect(e4).toMatchObject({ code: 'SHIFTSTREAM_ODOO_VALIDATION' });
    // One bad row rolls back the whole call.
    expect(s.records(PROD)).toHaveLength(0);
    const bad = createOdooClient({
      url: s.url,
      db: s.db,
      login: s.login,
      apiKey: 'wrong',
      protocol: tc.protocol,
      timeoutMs: 2_000,
    });
    const e5 = await bad.search(PROD, []).catch((e: unknown) => e);
    expect(e5).toMatchObject({ code: 'SHIFTSTREAM_ODOO_AUTH', retryable: false });
    expect(JSON.stringify({ m: (e5 as Error).message, d: (e5 as OdooError).details })).not.toContain(s.apiKey);
    bad.close();
  });

  it('maps injected faults: serialization (retryable), 503, timeout (hang), reset', async () => {
    const { s, c } = await start(tc.version, tc.protocol);
    await c.authenticate();
    const vals = [{ workcenter_id: 1, loss_id: 7, date_start: '2026-03-01 06:00:00', company_id: 1 }];
    s.faults.inject({ kind: 'serialization', method: 'create' });
    expect(await c.create(PROD, vals).catch((e: unknown) => e)).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_CONCURRENCY',
      retryable: true,
      details: { odooName: 'psycopg2.errors.SerializationFailure' },
    });
    s.faults.inject({ kind: 'http5xx', method: 'create', status: 502 });
    expect(await c.create(PROD, vals).catch((e: unknown) => e)).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_NETWORK',
      retryable: true,
      details: { httpStatus: 502 },
    });
    s.faults.inject({ kind: 'reset', method: 'create' });
    expect(await c.create(PROD, vals).catch((e: unknown) => e)).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_NETWORK',
      retryable: true,
    });
    const fast = createOdooClient({
      url: s.url,
      db: s.db,
      login: s.login,
      apiKey: s.apiKey,
      protocol: tc.expect,
      timeoutMs: 150,
    });
    await fast.authenticate();
    s.faults.inject({ kind: 'hang', method: 'create' });
    expect(await fast.create(PROD, vals).catch((e: unknown) => e)).toMatchObject({
      code: 'SHIFTSTREAM_ODOO_NETWORK',
      details: { timedOut: true },
    });
    fast.close();
    expect(s.records(PROD)).toHaveLength(0);
    // Reads are retried through a serialization failure.
    s.faults.inject({ kind: 'serialization', method: 'search_read' });
    expect(await c.searchRead(PROD, [], ['id'])).toEqual([]);
  });
});

describe('master data', () => {
  it(
    'resolves work centers, losses by external id and by ' + 'name, caches, and lists every missing item at once',
    async () => {
      const { s, c } = await start(19, 'auto');
      let now = 0;
      const md = createMasterData({ client: c, refreshMs: 1_000, nowMs: () => now });
      const req = {
        workCenters: new Map([
          ['wc-a', 'WC-01'],
          ['wc-b', 'WC-02'],
        ]),
        lossRefs: ['mrp.block_reason7', 'Equipment Failure', 'mrp.block_reason4'],
      };
      const r = await md.resolve(req);
      expect([...r.workCenters.values()].map((w) => w.companyId)).toEqual([1, 1]);
      expect(r.losses.get('mrp.block_reason7')).toBe(7);
      expect(r.losses.get('Equipment Failure')).toBe(2);
      expect(r.lossTypes.get('mrp.block_reason4')).toBe('performance');
      const callsBefore = s.calls.list.length;
      await md.resolve(req);
      expect(s.calls.list.length).toBe(callsBefore);
      now = 1_000;
      await md.resolve(req);
      expect(s.calls.list.length).toBeGreaterThan(callsBefore);

      const bad = {
        workCenters: new Map([
          ['wc-a', 'WC-01'],
          ['wc-x', 'WC-99'],
        ]),
        lossRefs: ['mrp.block_reason3', 'No Such Loss', 'mrp.block_reason1'],
      };
      const err = await md.resolve(bad).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SHIFTSTREAM_ODOO_MASTER_DATA' });
      const problems = (err as OdooError).details['problems'] as string[];
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toContain('"WC-99"');
      expect(problems.join('\n')).toContain('"mrp.block_reason3"');
      expect(problems.join('\n')).toContain('"No Such Loss"');
    },
  );

  it(
    'falls back to the user company when a work center ' + 'has none, and reports a deleted loss behind an xml id',
    async () => {
      const { s, c } = await start(17, 'auto');
      s.store.write('mrp.workcenter', [1], { company_id: false });
      s.store.unlink('mrp.workcenter.productivity.loss', [3]);
      const md = createMasterData({ client: c, refreshMs: 1_000, nowMs: () => 0 });
      const err = await md
        .resolve({ workCenters: new Map([['wc-a', 'WC-01']]), lossRefs: ['mrp.block_reason2'] })
        .catch((e: unknown) => e);
      expect((err as OdooError).details['problems']).toEqual([expect.stringContaining('does not exist (deleted?)')]);
      const ok = await md.resolve({ workCenters: new Map([['wc-a', 'WC-01']]), lossRefs: ['mrp.block_reason7'] });
      expect(ok.workCenters.get('wc-a')).toEqual({ odooId: 1, companyId: 1 });
    },
  );
});
