// Codecs of the dead-letter and audit records (shapes in ports/dead-letters.ts): Odoo's error as
// ErrorInfo, the sink records of both topics, and a dead letter read back for `dlq replay`.
import { ShiftstreamError, isRetryable } from '../errors.js';
import type { AuditRecord, DeadLetter, ErrorInfo } from '../ports/dead-letters.js';
import type { SinkRecord } from '../ports/event-sink.js';

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

/** Where each legacy service keeps its item; every other service uses `payload`. */
const ITEM_FIELD: Readonly<Record<string, 'summary' | 'milestone'>> = { shift: 'summary', milestone: 'milestone' };
const ITEM_LABEL: Readonly<Record<string, string>> = {
  shift: 'the WindowSummary of a shift dead letter',
  milestone: 'the Milestone of a milestone dead letter',
};

/**
 * Parses a dead-letter value; returns a problem text instead of throwing. Letters written before
 * `payload` existed read with `payload: null`; those of other kinds with `summary`/`milestone` null.
 */
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
  const service = v['service'];
  if (typeof service !== 'string' || service === '')
    return {
      ok: false,
      problem: `service: expected the name of a posting service (e.g. "shift"), found ${JSON.stringify(service)}`,
    };
  for (const f of ['plantId', 'workCenterId', 'key', 'subject'] as const)
    if (typeof v[f] !== 'string')
      return { ok: false, problem: `${f}: expected a string, found ${JSON.stringify(v[f])}` };
  if (typeof v['attempts'] !== 'number')
    return { ok: false, problem: `attempts: expected a number, found ${JSON.stringify(v['attempts'])}` };
  if (!isObj(v['error'])) return { ok: false, problem: 'error: expected an object' };
  const field = ITEM_FIELD[service] ?? 'payload';
  if (!isObj(v[field]) && (v['payloadBase64'] ?? null) === null) {
    const what = ITEM_LABEL[service] ?? `the item of a dead letter of service ${JSON.stringify(service)}`;
    return { ok: false, problem: `${field}: expected ${what}` };
  }
  const letter = {
    ...v,
    summary: isObj(v['summary']) ? v['summary'] : null,
    milestone: isObj(v['milestone']) ? v['milestone'] : null,
    payload: isObj(v['payload']) ? v['payload'] : null,
    payloadBase64: typeof v['payloadBase64'] === 'string' ? v['payloadBase64'] : null,
  };
  return { ok: true, value: letter as unknown as DeadLetter };
}
