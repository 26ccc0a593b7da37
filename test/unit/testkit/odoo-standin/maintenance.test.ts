// Maintenance on the stand-in (Community), per version and protocol: the request's defaults,
// schedule_end and the computed duration on 19 versus the plain duration on 17/18, closing
// through a done stage, unique equipment serials; and the Enterprise mrp_maintenance links.
import { afterEach, describe, expect, it } from 'vitest';
import type { Rpc } from './rpc.js';
import { CASES, idOf, ref, start } from './rpc.js';
import { readOne } from './stock-fixture.js';

let rpc: Rpc | undefined;
afterEach(async () => {
  await rpc?.standin.stop();
  rpc = undefined;
});

describe.each(CASES)('maintenance on the stand-in: $name', (c) => {
  it('a corrective request: seeded stage, team, schedule and duration per version, a done stage closes', async () => {
    rpc = await start(c, { nowMs: () => Date.UTC(2026, 2, 2, 9) });
    const team = await ref(rpc, 'maintenance.equipment_team_maintenance');
    const [newStage, repaired] = [await ref(rpc, 'maintenance.stage_0'), await ref(rpc, 'maintenance.stage_3')];
    const equipment = idOf(
      await rpc.ok('maintenance.equipment', 'create', null, { vals_list: [{ name: 'Press 2', serial_no: 'P-2' }] }),
    );
    const vals = {
      name: 'Tool breakage',
      equipment_id: equipment,
      maintenance_type: 'corrective',
      schedule_date: '2026-03-02 10:00:00',
      ...(c.version >= 19 ? {} : { duration: 2.5 }),
    };
    const request = idOf(await rpc.ok('maintenance.request', 'create', null, { vals_list: [vals] }));
    const row = await readOne<Record<string, unknown>>(rpc, 'maintenance.request', request, [
      'stage_id',
      'maintenance_team_id',
      'request_date',
      'duration',
      'kanban_state',
      'done',
      'close_date',
      ...(c.version >= 19 ? ['schedule_end'] : []),
    ]);
    expect(row).toMatchObject({
      stage_id: [newStage, 'New Request'],
      maintenance_team_id: [team, 'Internal Maintenance'],
      request_date: '2026-03-02',
      kanban_state: 'normal',
      done: false,
      close_date: false,
      duration: c.version >= 19 ? 1 : 2.5,
    });
    if (c.version >= 19) {
      expect(row['schedule_end']).toBe('2026-03-02 11:00:00');
      // On 19 the duration follows schedule_end; on 17/18 there is no schedule_end at all.
      await rpc.ok('maintenance.request', 'write', [request], { vals: { schedule_end: '2026-03-02 13:30:00' } });
      expect(await readOne(rpc, 'maintenance.request', request, ['duration'])).toMatchObject({ duration: 3.5 });
      const backwards = await rpc.call('maintenance.request', 'write', [request], {
        vals: { schedule_end: '2026-03-02 09:00:00' },
      });
      expect(backwards.error).toMatchObject({
        name: 'odoo.exceptions.ValidationError',
        message: 'End date cannot be earlier than start date.',
      });
    } else {
      const unknown = await rpc.call('maintenance.request', 'write', [request], {
        vals: { schedule_end: '2026-03-02 13:30:00' },
      });
      expect(unknown.error).toMatchObject({
        name: 'builtins.ValueError',
        message: "Invalid field 'schedule_end' on model 'maintenance.request'",
      });
    }
    await rpc.ok('maintenance.request', 'write', [request], { vals: { stage_id: repaired, kanban_state: 'blocked' } });
    expect(await readOne(rpc, 'maintenance.request', request, ['done', 'close_date', 'kanban_state'])).toMatchObject({
      done: true,
      close_date: '2026-03-02',
      kanban_state: 'blocked',
    });
    await rpc.ok('maintenance.request', 'write', [request], { vals: { stage_id: newStage } });
    expect(await readOne(rpc, 'maintenance.request', request, ['done', 'close_date', 'kanban_state'])).toMatchObject({
      done: false,
      close_date: false,
      kanban_state: 'normal',
    });
    expect(
      await readOne(rpc, 'maintenance.equipment', equipment, ['maintenance_count', 'maintenance_open_count']),
    ).toMatchObject({
      maintenance_count: 1,
      maintenance_open_count: 1,
    });
  });

  it('preventive requests can be read back by equipment and schedule; a recurring one renews when done', async () => {
    rpc = await start(c);
    const equipment = idOf(await rpc.ok('maintenance.equipment', 'create', null, { vals_list: [{ name: 'Press 3' }] }));
    const request = idOf(
      await rpc.ok('maintenance.request', 'create', null, {
        vals_list: [
          {
            name: 'Weekly lubrication',
            equipment_id: equipment,
            maintenance_type: 'preventive',
            recurring_maintenance: true,
            repeat_interval: 1,
            repeat_unit: 'week',
            schedule_date: '2026-03-02 06:00:00',
            ...(c.version >= 19 ? { schedule_end: '2026-03-02 08:00:00' } : { duration: 2 }),
          },
        ],
      }),
    );
    await rpc.ok('maintenance.request', 'write', [request], {
      vals: { stage_id: await ref(rpc, 'maintenance.stage_3') },
    });
    const rows = (await rpc.ok('maintenance.request', 'search_read', null, {
      domain: [
        ['equipment_id', '=', equipment],
        ['maintenance_type', '=', 'preventive'],
        ['done', '=', false],
      ],
      fields: ['schedule_date', 'duration', ...(c.version >= 19 ? ['schedule_end'] : [])],
    })) as Record<string, unknown>[];
    expect(rows).toEqual([
      expect.objectContaining({
        schedule_date: '2026-03-09 06:00:00',
        duration: 2,
        ...(c.version >= 19 ? { schedule_end: '2026-03-09 08:00:00' } : {}),
      }),
    ]);
    const zero = await rpc.call('maintenance.request', 'write', [request], { vals: { repeat_interval: 0 } });
    expect(zero.error).toMatchObject({
      name: 'odoo.exceptions.ValidationError',
      message: 'The repeat interval cannot be less than 1.',
    });
  });

  it('equipment serial numbers are unique over the database; a request needs a team', async () => {
    rpc = await start(c);
    await rpc.ok('maintenance.equipment', 'create', null, { vals_list: [{ name: 'A', serial_no: 'SN-9' }] });
    const dup = await rpc.call('maintenance.equipment', 'create', null, {
      vals_list: [{ name: 'B', serial_no: 'SN-9' }],
    });
    expect(dup.error).toMatchObject({
      name: 'odoo.exceptions.ValidationError',
      message: 'Another asset already exists with this serial number!',
    });
    // Without any team the required (computed) team cannot be filled: the database refuses.
    await rpc.ok('maintenance.team', 'unlink', [await ref(rpc, 'maintenance.equipment_team_maintenance')]);
    const noTeam = await rpc.call('maintenance.request', 'create', null, { vals_list: [{ name: 'x' }] });
    expect(noTeam.error?.name).toBe('odoo.exceptions.ValidationError');
    expect(noTeam.error?.message).toMatch(/Model: maintenance\.request, Field: maintenance_team_id/);
  });

  it('Community has no mrp_maintenance fields; Enterprise links work centers, blocks calendars', async () => {
    rpc = await start(c);
    const wcs = (await rpc.ok('mrp.workcenter', 'search', null, { domain: [] })) as number[];
    const community = await rpc.call('maintenance.equipment', 'create', null, {
      vals_list: [{ name: 'P', workcenter_id: wcs[0] }],
    });
    expect(community.error).toMatchObject({
      name: 'builtins.ValueError',
      message: "Invalid field 'workcenter_id' on model 'maintenance.equipment'",
    });
    await rpc.standin.stop();
    rpc = await start(c, { edition: 'enterprise' });
    const wc = ((await rpc.ok('mrp.workcenter', 'search', null, { domain: [] })) as number[])[0]!;
    const equipment = idOf(
      await rpc.ok('maintenance.equipment', 'create', null, { vals_list: [{ name: 'P', workcenter_id: wc }] }),
    );
    const forEquipment = idOf(
      await rpc.ok('maintenance.request', 'create', null, { vals_list: [{ name: 'e', equipment_id: equipment }] }),
    );
    expect(await readOne(rpc, 'maintenance.request', forEquipment, ['maintenance_for', 'workcenter_id'])).toMatchObject(
      {
        maintenance_for: 'equipment',
        workcenter_id: [wc, 'Work center WC-01'],
      },
    );
    const missing = await rpc.call('maintenance.request', 'create', null, {
      vals_list: [{ name: 'no wc', maintenance_for: 'workcenter', schedule_date: '2026-03-02 06:00:00' }],
    });
    expect(missing.error).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message: 'The workcenter is missing for no wc.',
    });
    const block = {
      maintenance_for: 'workcenter',
      workcenter_id: wc,
      block_workcenter: true,
      schedule_date: '2026-03-02 06:00:00',
      ...(c.version >= 19 ? { schedule_end: '2026-03-02 08:00:00' } : { duration: 2 }),
    };
    const blocking = idOf(
      await rpc.ok('maintenance.request', 'create', null, { vals_list: [{ name: 'overhaul', ...block }] }),
    );
    const leaves = (await readOne<{ leave_ids: number[] }>(rpc, 'maintenance.request', blocking, ['leave_ids']))
      .leave_ids;
    expect(
      await rpc.ok('resource.calendar.leaves', 'read', leaves, { fields: ['date_from', 'date_to', 'time_type'] }),
    ).toEqual([
      expect.objectContaining({ date_from: '2026-03-02 06:00:00', date_to: '2026-03-02 08:00:00', time_type: 'leave' }),
    ]);
    // A slot already planned for work orders (a leave of type 'other' on the work center's resource).
    const resource = (await readOne<{ resource_id: unknown }>(rpc, 'mrp.workcenter', wc, ['resource_id'])).resource_id;
    await rpc.ok('resource.calendar.leaves', 'create', null, {
      vals_list: [
        {
          name: 'WO',
          resource_id: Array.isArray(resource) ? resource[0] : resource,
          date_from: '2026-03-03 06:00:00',
          date_to: '2026-03-03 07:00:00',
          time_type: 'other',
        },
      ],
    });
    const taken = await rpc.call('maintenance.request', 'create', null, {
      vals_list: [
        {
          name: 'clash',
          ...block,
          schedule_date: '2026-03-03 06:30:00',
          ...(c.version >= 19 ? { schedule_end: '2026-03-03 07:30:00' } : {}),
        },
      ],
    });
    expect(taken.error).toMatchObject({
      name: 'odoo.exceptions.UserError',
      message: 'Manufacturing Orders are already scheduled for this time slot.',
    });
  });
});
