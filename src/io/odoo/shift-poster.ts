// ItemPoster for shift summaries: final shift WindowSummary records -> the ProductivityWriter
// (batched, idempotent mrp.workcenter.productivity records; see src/io/odoo/productivity-writer.ts).
import type { WindowSummary } from '../../core/types.js';
import type { ProductivityWriter, PostResult } from './productivity-writer.js';
import { PRODUCTIVITY_MODEL, shiftKeyFor } from './productivity-records.js';
import type { Codecs } from '../../ports/codecs.js';
import type { ItemIdentity, ItemPoster, Round } from '../../ports/posting.js';

/** The `service` of shift dead letters and audit records (kind `shifts`; older than the kinds). */
export const SHIFT_SERVICE = 'shift';

export function shiftIdentity(s: WindowSummary): ItemIdentity {
  return {
    plantId: s.plantId,
    workCenterId: s.workCenterId,
    key: shiftKeyFor(s.plantId, s.workCenterId, s.windowId),
    subject: `${s.windowId}@${s.revision}`,
  };
}

export function roundOf(r: PostResult): Round<WindowSummary> {
  return {
    confirmed: r.outcomes.map((o) => ({
      item: o.summary,
      status: o.status,
      odooModel: o.recordIds.length > 0 || o.unlinkedIds.length > 0 ? PRODUCTIVITY_MODEL : null,
      odooIds: o.recordIds,
      created: o.created,
      unlinkedIds: o.unlinkedIds,
    })),
    refused: r.failures.map((f) => ({ item: f.summary, error: f.error })),
  };
}

/** Only final shift summaries are posted; everything else on the topic is confirmed at once. */
export function isPostable(s: WindowSummary): boolean {
  return s.windowKind === 'shift' && s.final;
}

export function createShiftItemPoster(options: {
  readonly writer: ProductivityWriter;
  readonly codecs: Codecs;
}): ItemPoster<WindowSummary> {
  const { writer, codecs } = options;
  return {
    service: SHIFT_SERVICE,
    prepare: (records) => codecs.prepare(records.map((r) => r.value)),
    decode(record) {
      if (record.value === null) return { kind: 'skip' };
      const d = codecs.summary.decode(record.value);
      if (!d.ok) return { kind: 'bad', problem: `expected a WindowSummary (Avro), found ${d.reason}: ${d.detail}` };
      return isPostable(d.value) ? { kind: 'item', item: d.value } : { kind: 'skip' };
    },
    identify: shiftIdentity,
    payload: (s) => ({ summary: s, milestone: null, payload: null }),
    revive: (letter) => letter.summary,
    post: async (items) => roundOf(await writer.post(items)),
    flush: async () => roundOf(await writer.flush()),
    flushIfDue: async () => roundOf(await writer.flushIfDue()),
  };
}
