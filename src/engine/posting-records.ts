// The JSON records of the dead-letter and audit topics. JSON (not Avro) on purpose: both topics are
// read by people and by `dlq replay`, and a dead letter must carry whatever Odoo answered (free-form
// arguments, tracebacks) without a schema change. Every value has `version: 1` for evolution.
import type { MilestoneRecord } from '../core/milestones.js';
import type { WindowSummary } from '../core/types.js';
import { ShiftstreamError, isRetryable } from '../errors.js';
import type { SinkRecord } from '../ports/event-sink.js';

export type PostingService = 'shift' | 'milestone';

export interface SourceRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Odoo's error as far as we know it (details of a SHIFTSTREAM_ODOO_* error). */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** Odoo's exception name, e.g. `odoo.exceptions.ValidationError` (null when not from Odoo). */
  readonly odooName: string | null;
  readonly odooMessage: string | null;
}

export interface DeadLetter {
  readonly version: 1;
  readonly service: PostingService;
  readonly plantId: string;
  readonly workCenterId: string;
  /** The item's identity: the shift key (all revisions) or the milestone key. */
  readonly key: string;
  /** Human label, e.g. `2026-03-02/s1@2` or `machine_down@2026-03-02T10:00:00.000Z`. */
  readonly subject: string;
  /** Posting attempts so far (including replays). */
  readonly attempts: number;
  readonly failedAtMs: number;
  readonly error: ErrorInfo;
  readonly summary: WindowSummary | null;
  readonly milestone: MilestoneRecord | null;
  /** Bytes that could not be decoded (base64), when the record was unreadable. */
  readonly payloadBase64: string | null;
  readonly source: SourceRef | null;
}

export const AUDIT_EVENTS = ['received', 'posted', 'failed', 'replayed'] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditRecord {
  readonly version: 1;
  readonly event: AuditEvent;
  /**
   * Finer outcome: posted | already-posted | superseded | closed | skipped | retrying | dead-lettered | still-failing.
   */
  readonly status: string;
  readonly atMs: number;
  readonly service: PostingService;
  readonly plantId: string;
  readonly workCenterId: string;
  readonly key: string;
  readonly subject: string;
  readonly attempt: number;
  /** The Odoo model written (null when nothing was written). */
  readonly odooModel: string | null;
  /** Ids this item's write confirmed (created, found or written). */
  readonly odooIds: readonly number[];
  /** How many of odooIds this attempt created. */
  readonly created: number;
  /** Ids of an older revision removed by this attempt. */
  readonly unlinkedIds: readonly number[];
  readonly error: ErrorInfo | null;
  readonly source: SourceRef | null;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ShiftstreamError) {
    const d = err.details ?? {};
    return {
      code: err.code,
      message: err.message,
      retryable: isRetryable(err),
      odooName: typeof d['odooName'] === 'string' ? d['odooName'] : null,
      odooMessage: typeof d['odooMessage'] === 'string' ? d['odooMessage'] : null,
    };
  }
  return {
    code: 'UNEXPECTED',
    message: err instanceof Error ? err.message : String(err),
    retryable: false,
    odooName: null,
    odooMessage: null,
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function workCenterKey(plantId: string, workCenterId: string): string {
  return `${plantId}/${workCenterId}`;
}

export function deadLetterRecord(topic: string, d: DeadLetter): SinkRecord {
  return {
    topic,
    key: d.key,
    value: Buffer.from(JSON.stringify(d)),
    headers: { ...JSON_HEADERS, 'shiftstream-error': d.error.code, 'shiftstream-service': d.service },
  };
}

export function auditSinkRecord(topic: string, a: AuditRecord): SinkRecord {
  return {
    topic,
    key: workCenterKey(a.plantId, a.workCenterId),
    value: Buffer.from(JSON.stringify(a)),
    headers: { ...JSON_HEADERS, 'shiftstream-event': a.event },
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a dead-letter value; returns a problem text instead of throwing. */
export function parseDeadLetter(buf: Buffer | null): { ok: true; value: DeadLetter } | { ok: false; problem: string } {
  if (buf === null) return { ok: false, problem: 'expected a JSON dead letter, found a null value (tombstone)' };
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    return { ok: false, problem: `expected JSON, found unreadable bytes (${(err as Error).message})` };
  }
  if (!isObj(v)) return { ok: false, problem: 'expected a JSON object' };
  if (v['version'] !== 1) return { ok: false, problem: `version: expected 1, found ${JSON.stringify(v['version'])}` };
  if (v['service'] !== 'shift' && v['service'] !== 'milestone')
    return { ok: false, problem: `service: expected "shift" or "milestone", found ${JSON.stringify(v['service'])}` };
  for (const f of ['plantId', 'workCenterId', 'key', 'subject'] as const)
    if (typeof v[f] !== 'string')
      return { ok: false, problem: `${f}: expected a string, found ${JSON.stringify(v[f])}` };
  if (typeof v['attempts'] !== 'number')
    return { ok: false, problem: `attempts: expected a number, found ${JSON.stringify(v['attempts'])}` };
  if (!isObj(v['error'])) return { ok: false, problem: 'error: expected an object' };
  if (v['service'] === 'shift' && !isObj(v['summary']) && v['payloadBase64'] === null)
    return { ok: false, problem: 'summary: expected the WindowSummary of a shift dead letter' };
  if (v['service'] === 'milestone' && !isObj(v['milestone']) && v['payloadBase64'] === null)
    return { ok: false, problem: 'milestone: expected the Milestone of a milestone dead letter' };
  return { ok: true, value: v as unknown as DeadLetter };
}
