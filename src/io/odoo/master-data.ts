// Master data: work-center codes -> mrp.workcenter ids (+ company), loss references -> loss ids.
// Loss references are external ids (`mrp.block_reason7`, resolved through ir.model.data) or loss
// names (exact match). Results are cached for `refreshMs`; anything missing fails with ONE
// SHIFTSTREAM_ODOO_MASTER_DATA error that lists every missing code and loss.
import { OdooError } from '../../errors.js';
import type { OdooClient } from './client.js';
import type { ResolvedTargets, WorkCenterTarget } from './productivity-records.js';
import { m2oId } from './values.js';

export const WORKCENTER_MODEL = 'mrp.workcenter';
export const LOSS_MODEL = 'mrp.workcenter.productivity.loss';

export interface MasterDataRequest {
  /** shiftstream workCenterId -> Odoo work-center `code`. */
  readonly workCenters: ReadonlyMap<string, string>;
  /** Loss references as written in the topology (values of the loss mapping). */
  readonly lossRefs: readonly string[];
}

export interface ResolvedMasterData extends ResolvedTargets {
  readonly lossTypes: ReadonlyMap<string, string>;
  readonly fetchedAtMs: number;
}

export interface MasterDataOptions {
  readonly client: OdooClient;
  readonly refreshMs: number;
  readonly nowMs: () => number;
}

export interface MasterData {
  /** Cached for `refreshMs`; concurrent callers share one fetch. */
  resolve(request: MasterDataRequest): Promise<ResolvedMasterData>;
  invalidate(): void;
}

const XML_ID = /^[a-z0-9_]+\.[A-Za-z0-9_.-]+$/;

export function looksLikeXmlId(ref: string): boolean {
  return XML_ID.test(ref);
}

interface WcRow {
  id: number;
  code: string | false;
  company_id: unknown;
  name: string;
}
interface LossRow {
  id: number;
  name: string;
  loss_type: string | false;
}
interface XmlRow {
  module: string;
  name: string;
  res_id: number;
}

async function fetchAll(client: OdooClient, request: MasterDataRequest, nowMs: number): Promise<ResolvedMasterData> {
  const problems: string[] = [];
  const codes = [...new Set(request.workCenters.values())];
  const wcRows =
    codes.length === 0
      ? []
      : await client.searchRead<WcRow>(WORKCENTER_MODEL, [['code', 'in', codes]], ['id', 'code', 'company_id', 'name']);
  const byCode = new Map<string, WcRow[]>();
  for (const row of wcRows) {
    if (typeof row.code !== 'string') continue;
    const list = byCode.get(row.code) ?? [];
    list.push(row);
    byCode.set(row.code, list);
  }

  let userCompany: Promise<number | null> | undefined;
  const companyOfUser = async (): Promise<number | null> => {
    const uid = await client.authenticate();
    const rows = await client.searchRead<{ company_id: unknown }>('res.users', [['id', '=', uid]], ['company_id']);
    return rows[0] === undefined ? null : m2oId(rows[0].company_id);
  };

  const workCenters = new Map<string, WorkCenterTarget>();
  for (const [workCenterId, code] of request.workCenters) {
    const rows = byCode.get(code) ?? [];
    const row = rows[0];
    if (row === undefined) {
      problems.push(
        `work center ${JSON.stringify(workCenterId)}: no active mrp.workcenter with code ${JSON.stringify(code)}`,
      );
      continue;
    }
    if (rows.length > 1) {
      problems.push(
        `work center ${JSON.stringify(workCenterId)}: code ${JSON.stringify(code)} ` +
          `is ambiguous, mrp.workcenter ids ${rows.map((r) => r.id).join(', ')}`,
      );
      continue;
    }
    let companyId = m2oId(row.company_id);
    if (companyId === null) {
      userCompany ??= companyOfUser();
      companyId = await userCompany;
    }
    if (companyId === null) {
      problems.push(
        `work center ${JSON.stringify(workCenterId)} (mrp.workcenter ` +
          `${row.id}): no company on the work center and none on the API user`,
      );
      continue;
    }
    workCenters.set(workCenterId, { odooId: row.id, companyId });
  }

  const refs = [...new Set(request.lossRefs)];
  const losses = new Map<string, number>();
  const lossTypes = new Map<string, string>();
  const xmlRefs = refs.filter(looksLikeXmlId);
  const resIdByRef = new Map<string, number>();
  if (xmlRefs.length > 0) {
    const modules = [...new Set(xmlRefs.map((r) => r.slice(0, r.indexOf('.'))))];
    const names = [...new Set(xmlRefs.map((r) => r.slice(r.indexOf('.') + 1)))];
    const rows = await client.searchRead<XmlRow>(
      'ir.model.data',
      [
        ['model', '=', LOSS_MODEL],
        ['module', 'in', modules],
        ['name', 'in', names],
      ],
      ['module', 'name', 'res_id'],
    );
    for (const row of rows) resIdByRef.set(`${row.module}.${row.name}`, row.res_id);
  }
  const nameRefs = refs.filter((r) => !resIdByRef.has(r));
  const idsToCheck = [...new Set(resIdByRef.values())];
  const byId = new Map<number, LossRow>();
  if (idsToCheck.length > 0) {
    for (const row of await client.searchRead<LossRow>(
      LOSS_MODEL,
      [['id', 'in', idsToCheck]],
      ['id', 'name', 'loss_type'],
    ))
      byId.set(row.id, row);
  }
  const byName = new Map<string, LossRow[]>();
  if (nameRefs.length > 0) {
    for (const row of await client.searchRead<LossRow>(
      LOSS_MODEL,
      [['name', 'in', nameRefs]],
      ['id', 'name', 'loss_type'],
    )) {
      const list = byName.get(row.name) ?? [];
      list.push(row);
      byName.set(row.name, list);
    }
  }
  for (const ref of refs) {
    const resId = resIdByRef.get(ref);
    if (resId !== undefined) {
      const row = byId.get(resId);
      if (row === undefined) {
        problems.push(
          `loss ${JSON.stringify(ref)}: the external id points to ` +
            `${LOSS_MODEL} ${resId}, which does not exist (deleted?)`,
        );
      } else {
        losses.set(ref, row.id);
        if (typeof row.loss_type === 'string') lossTypes.set(ref, row.loss_type);
      }
      continue;
    }
    const rows = byName.get(ref) ?? [];
    const row = rows[0];
    if (row === undefined) {
      problems.push(
        `loss ${JSON.stringify(ref)}: no ${LOSS_MODEL} with ` +
          `${looksLikeXmlId(ref) ? 'that external id nor that name' : 'that name'}`,
      );
    } else if (rows.length > 1) {
      problems.push(
        `loss ${JSON.stringify(ref)}: name is ambiguous, ${LOSS_MODEL} ` +
          `ids ${rows.map((r) => r.id).join(', ')} (use an external id)`,
      );
    } else {
      losses.set(ref, row.id);
      if (typeof row.loss_type === 'string') lossTypes.set(ref, row.loss_type);
    }
  }

  if (problems.length > 0) {
    throw new OdooError(
      'SHIFTSTREAM_ODOO_MASTER_DATA',
      `odoo master data: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
      {
        details: { problems },
      },
    );
  }
  return { workCenters, losses, lossTypes, fetchedAtMs: nowMs };
}

export function createMasterData(options: MasterDataOptions): MasterData {
  let cached: { signature: string; value: ResolvedMasterData } | undefined;
  let inflight: { signature: string; promise: Promise<ResolvedMasterData> } | undefined;

  function resolve(request: MasterDataRequest): Promise<ResolvedMasterData> {
    const signature = JSON.stringify([[...request.workCenters].sort(), [...request.lossRefs].sort()]);
    const now = options.nowMs();
    if (cached !== undefined && cached.signature === signature && now - cached.value.fetchedAtMs < options.refreshMs) {
      return Promise.resolve(cached.value);
    }
    if (inflight !== undefined && inflight.signature === signature) return inflight.promise;
    const promise = fetchAll(options.client, request, now).then(
      (value) => {
        cached = { signature, value };
        inflight = undefined;
        return value;
      },
      (err: unknown) => {
        inflight = undefined;
        throw err;
      },
    );
    inflight = { signature, promise };
    return promise;
  }

  return {
    resolve,
    invalidate: () => {
      cached = undefined;
    },
  };
}

/** The master-data request of a topology: its work-center codes and every loss reference of its mapping. */
export function masterDataRequestOf(
  workCenters: Iterable<{ readonly workCenterId: string; readonly odooCode: string }>,
  losses: ReadonlyMap<string, string>,
): MasterDataRequest {
  return {
    workCenters: new Map([...workCenters].map((wc) => [wc.workCenterId, wc.odooCode])),
    lossRefs: [...new Set(losses.values())],
  };
}
