// Port: the JSON records of the posting services' dead-letter and audit topics. JSON (not Avro) on
// purpose: both topics are read by people and by `dlq replay`, and a dead letter must carry whatever
// Odoo answered (free-form arguments, tracebacks) without a schema change. Every value has
// `version: 1`; the codecs are in engine/posting-records.ts.
import type { MilestoneRecord } from '../core/milestones.js';
import type { WindowSummary } from '../core/types.js';

/**
 * Which poster wrote a record: its posting kind's dead-letter service name. `shift` and `milestone`
 * (kinds `shifts`, `milestones`) predate the kinds; a kind added later writes its kind name.
 */
export type PostingService = string;

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

/**
 * The refused item inside a dead letter. `summary` (service `shift`) and `milestone` (service
 * `milestone`) are where those two kinds keep it, so that their letters stay readable by earlier
 * versions; every other kind writes its item, as JSON, to `payload`. All null: the record was unreadable.
 */
export interface DeadLetterPayload {
  readonly summary: WindowSummary | null;
  readonly milestone: MilestoneRecord | null;
  readonly payload: Readonly<Record<string, unknown>> | null;
}

export interface DeadLetter extends DeadLetterPayload {
  readonly version: 1;
  readonly service: PostingService;
  readonly plantId: string;
  readonly workCenterId: string;
  /** The item's identity, e.g. the shift key (all revisions) or the milestone key. */
  readonly key: string;
  /** Human label, e.g. `2026-03-02/s1@2` or `machine_down@2026-03-02T10:00:00.000Z`. */
  readonly subject: string;
  /** Posting attempts so far (including replays). */
  readonly attempts: number;
  readonly failedAtMs: number;
  readonly error: ErrorInfo;
  /** Bytes that could not be decoded (base64), when the record was unreadable. */
  readonly payloadBase64: string | null;
  readonly source: SourceRef | null;
}

export type AuditEvent = 'received' | 'posted' | 'failed' | 'replayed';

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
