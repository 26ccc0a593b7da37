// The maintenance poster against the Odoo stand-in (17 and 19, Community and Enterprise): a rule
// that fires opens one corrective maintenance.request with the facts; re-delivery, a lost ledger
// and a response lost after commit never open a second one; a later revision updates the same
// request, one below the threshold opens nothing (below-threshold); the cooldown per rule and
// equipment; an unknown equipment is a permanent refusal naming it; Enterprise links the work order.
import { afterEach, describe, expect, it } from 'vitest';
import type { MaintenancePlan } from '../../../../src/core/maintenance-rules.js';
import type { WindowSummary } from '../../../../src/core/types.js';
import { OdooError, isRetryable } from '../../../../src/errors.js';
import { createLocalCodecs } from '../../../../src/io/avro/codecs.js';
import { createMemoryKeyValue } from '../../../../src/io/memory/memory-key-value.js';
import { createOdooClient, type OdooClient } from '../../../../src/io/odoo/client.js';
import {
  createMaintenancePoster,
  maintenanceLedgerOn,
  MAINTENANCE_MODEL,
  REQUEST_MARKER,
  requestKey,
} from '../../../../src/io/odoo/maintenance-poster.js';
import type { ItemPoster } from '../../../../src/ports/posting.js';
import { startOdooStandin, type OdooStandin } from '../../../../src/testkit/odoo-standin/index.js';
import { makeSummary, type Piece } from './summary-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 2, 2, 6);

const PLAN: MaintenancePlan = {
  cooldownMs: 8 * HOUR,
  equipment: new Map(),
  rules: [
    {
      name: 'jam-long',
      workCenterId: 'wc-1',
      reason: 'jam',
      threshold: { kind: 'longerThan', ms: 10 * MIN },
      equipment: 'PRESS-01',
      team: null,
      priority: '2',
      description: 'Check the die and the feeder.',
    },
    {
      name: 'hydraulics',
      workCenterId: 'wc-1',
      reason: 'hydraulic',
      threshold: { kind: 'count', count: 2 },
      equipment: 'Press 01 hydraulics',
      team: 'Internal Maintenance',
      priority: null,
      description: null,
    },
  ],
};

/** An 8-hour shift `day` days after T0 with a jam of `jamMin` minutes at 07:00 (0: none). */
function shiftWith(day: number, jamMin: number, revision = 1, extra: readonly Piece[] = []): WindowSummary {
  const pieces: Piece[] = [['running', HOUR]];
  if (jamMin > 0) pieces.push(['down', jamMin * MIN, 'jam']);
  pieces.push(...extra);
  const used = pieces.reduce((a, p) => a + p[1], 0);
  pieces.push(['running', 8 * HOUR - used]);
  return makeSummary({
    workCenterId: 'wc-1',
    windowId: `2026-03-0${2 + day}/early`,
    startMs: T0 + day * 24 * HOUR,
    pieces,
    revision,
  });
}

let standin: OdooStandin | undefined;
let client: OdooClient | undefined;
afterEach(async () => {
  client?.close();
  await standin?.stop();
  standin = undefined;
  client = undefined;
});

async function setUp(
  version: 17 | 19,
  edition: 'community' | 'enterprise' = 'community',
): Promise<{
  s: OdooStandin;
  c: OdooClient;
  poster: (kv?: ReturnType<typeof createMemoryKeyValue>) => ItemPoster<WindowSummary>;
}> {
  standin = await startOdooStandin({ version, edition, workCenters: [{ code: 'WC-01' }] });
  standin.store.create('maintenance.equipment', [{ name: 'Press 01', serial_no: 'PRESS-01' }]);
  standin.store.create('maintenance.equipment', [{ name: 'Press 01 hydraulics' }]);
  client = createOdooClient({
    url: standin.url,
    db: standin.db,
    login: standin.login,
    apiKey: standin.apiKey,
    protocol: 'auto',
    timeoutMs: 2_000,
  });
  const c = client;
  const shared = createMemoryKeyValue();
  return {
    s: standin,
    c,
    poster: (kv = shared) =>
      createMaintenancePoster({
        client: c,
        ledger: maintenanceLedgerOn(kv),
        plan: PLAN,
        timeZone: 'Europe/Berlin',
        retry: { initialMs: 1, maxMs: 5, multiplier: 2, maxAttempts: 4 },
        codecs: createLocalCodecs(),
      }),
  };
}

const requests = (s: OdooStandin): Record<string, unknown>[] => s.records(MAINTENANCE_MODEL);

describe.each([19, 17] as const)('maintenance poster (stand-in %i)', (version) => {
  it('opens one corrective request with the facts; re-delivery and a lost ledger open no second', async () => {
    const { s, poster } = await setUp(version);
    const p = poster();
    const shift = shiftWith(0, 15);
    const round = await p.post([shift]);
    expect(round.refused).toEqual([]);
    expect(round.confirmed[0]).toMatchObject({ status: 'posted', odooModel: MAINTENANCE_MODEL, created: 1 });
    const [r, ...rest] = requests(s);
    expect(rest).toEqual([]);
    const eq = s.records('maintenance.equipment').find((e) => e['serial_no'] === 'PRESS-01')!;
    expect(r).toMatchObject({
      name: 'Downtime jam on wc-1: one stop longer than 10 min',
      maintenance_type: 'corrective',
      equipment_id: eq['id'],
      request_date: '2026-03-02',
      priority: '2',
    });
    // The team and stage come from Odoo's defaults (the seeded team, the first stage).
    expect(r!['maintenance_team_id']).toBeTruthy();
    expect(r!['stage_id']).toBeTruthy();
    const d = String(r!['description']);
    expect(d).toContain(`${REQUEST_MARKER}${requestKey('plant-a', PLAN.rules[0]!, '2026-03-02/early')}]`);
    expect(d).toContain('at=2026-03-02T07:10:00.000Z]'); // 07:00 + 10 min: the threshold crossed
    expect(d).toContain('1 stop(s), 15 min down in all, the longest 15 min');
    expect(d).toContain('2026-03-02T08:10:00.000+01:00');
    expect(d).toContain('Shift: 2026-03-02/early');
    expect(d).toContain('Check the die and the feeder.');

    expect((await p.post([shift])).confirmed[0]?.status).toBe('already-posted');
    // A new poster with an empty ledger (Redis lost): the marker in Odoo decides.
    const fresh = poster(createMemoryKeyValue());
    expect((await fresh.post([shift])).confirmed[0]).toMatchObject({ status: 'already-posted', odooIds: [r!['id']] });
    expect(requests(s)).toHaveLength(1);
  });

  it('a later revision updates the same request; one below the threshold opens nothing', async () => {
    const { s, poster } = await setUp(version);
    const p = poster();
    await p.post([shiftWith(0, 15, 1)]);
    const id = requests(s)[0]!['id'];
    const r2 = await p.post([shiftWith(0, 25, 2)]);
    expect(r2.confirmed[0]).toMatchObject({ status: 'updated', odooIds: [id] });
    expect(String(requests(s)[0]!['description'])).toContain('25 min down in all');
    expect(String(requests(s)[0]!['description'])).toContain('revision 2');
    const r3 = await p.post([shiftWith(0, 8, 3)]);
    expect(r3.confirmed[0]).toMatchObject({ status: 'below-threshold', odooIds: [id], created: 0 });
    expect(requests(s)).toHaveLength(1);
  });

  it('a response lost after the create committed: the retry finds the marker, one request', async () => {
    const { s, poster } = await setUp(version);
    s.faults.inject({ kind: 'lost-after-commit', model: MAINTENANCE_MODEL, method: 'create' });
    const round = await poster().post([shiftWith(0, 15)]);
    expect(round.confirmed[0]?.status).toBe('posted');
    expect(s.faults.fired['lost-after-commit']).toBe(1);
    expect(requests(s)).toHaveLength(1);
  });

  it('the cooldown per rule and equipment: a trigger within 8 h opens nothing, a later one does', async () => {
    const { s, poster } = await setUp(version);
    const p = poster();
    await p.post([shiftWith(0, 15)]);
    // The next day's shift at 07:10 is 24 h later: a new request.
    expect((await p.post([shiftWith(1, 12)])).confirmed[0]?.status).toBe('posted');
    // A second rule key of the same day's late shift (14:00 + 1 h + 10 min = 15:10, 8 h after 07:10).
    const late = { ...shiftWith(1, 11), windowId: '2026-03-03/late' };
    const lateEarly = {
      ...late,
      startMs: late.startMs + 4 * HOUR,
      endMs: late.endMs + 4 * HOUR,
      intervals: late.intervals.map((i) => ({ ...i, startMs: i.startMs + 4 * HOUR, endMs: i.endMs + 4 * HOUR })),
    };
    expect((await p.post([lateEarly])).confirmed[0]?.status).toBe('cooldown');
    expect(requests(s)).toHaveLength(2);
  });

  it('counts stops for the second rule, with its team; an unknown equipment is refused for good', async () => {
    const { s, poster } = await setUp(version);
    const p = poster();
    const two = shiftWith(0, 0, 1, [
      ['down', 3 * MIN, 'hydraulic'],
      ['running', 10 * MIN],
      ['down', 2 * MIN, 'hydraulic'],
    ]);
    expect((await p.post([two])).confirmed[0]?.status).toBe('posted');
    const team = s.records('maintenance.team').find((t) => t['name'] === 'Internal Maintenance')!;
    expect(requests(s)[0]).toMatchObject({
      maintenance_team_id: team['id'],
      name: 'Downtime hydraulic on wc-1: 2 stops or more in the shift',
    });

    s.store.unlink('maintenance.equipment', [
      s.records('maintenance.equipment').find((e) => e['serial_no'] === 'PRESS-01')!['id'],
    ]);
    const round = await p.post([shiftWith(2, 30)]);
    expect(round.confirmed).toEqual([]);
    const err = round.refused[0]?.error;
    expect(err).toBeInstanceOf(OdooError);
    expect(isRetryable(err)).toBe(false);
    expect((err as Error).message).toBe(
      'odoo maintenance.equipment: rule \'jam-long\' names equipment "PRESS-01", expected an equipment with that ' +
        'serial_no or name, found none',
    );
  });
});

describe('maintenance poster, Enterprise mrp_maintenance', () => {
  it('links the work order running during the stops', async () => {
    const { s, poster } = await setUp(19, 'enterprise');
    const wc = s.records('mrp.workcenter').find((r) => r['code'] === 'WC-01')!['id'];
    const [moId] = s.store.create('mrp.production', [{ name: 'WH/MO/00012', product_id: 42, product_qty: 10 }]);
    const [woId] = s.store.create('mrp.workorder', [
      { name: 'WH/MO/00012/op1', workcenter_id: wc, production_id: moId, state: 'progress' },
    ]);
    const shift = shiftWith(0, 15);
    const withOrder = {
      ...shift,
      intervals: shift.intervals.map((i) =>
        i.category === 'down' ? { ...i, orderRef: 'WH/MO/00012', workOrderId: woId } : i,
      ),
    };
    const round = await poster().post([withOrder]);
    expect(round.refused).toEqual([]);
    expect(round.confirmed[0]?.status).toBe('posted');
    expect(requests(s)[0]!['workorder_id']).toBe(woId);
    expect(String(requests(s)[0]!['description'])).toContain('Orders running: WH/MO/00012');
  });
});
