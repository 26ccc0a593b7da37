// Port: what a posting kind's poster plugs into the posting consumer (engine/posting-consumer.ts)
// and into `dlq replay` (engine/dlq-replay.ts). The Odoo posters implement it in io/odoo/.
import type { DeadLetter, DeadLetterPayload, PostingService } from './dead-letters.js';
import type { SinkRecord } from './event-sink.js';
import type { SourceRecord } from './event-source.js';

export interface ItemIdentity {
  readonly plantId: string;
  readonly workCenterId: string;
  readonly key: string;
  readonly subject: string;
}

export interface Confirmed<T> {
  readonly item: T;
  /** posted | already-posted | superseded | closed | skipped ... */
  readonly status: string;
  readonly odooModel: string | null;
  readonly odooIds: readonly number[];
  readonly created: number;
  readonly unlinkedIds: readonly number[];
}

export interface Refused<T> {
  readonly item: T;
  readonly error: unknown;
}

export interface Round<T> {
  readonly confirmed: readonly Confirmed<T>[];
  /** Permanent failures: they go to the dead-letter topic. */
  readonly refused: readonly Refused<T>[];
}

export type Decoded<T> =
  | { readonly kind: 'item'; readonly item: T }
  | { readonly kind: 'skip' }
  | { readonly kind: 'bad'; readonly problem: string };

export interface ItemPoster<T> {
  /** Written as `service` on its dead letters and audit records; `dlq replay` routes letters by it. */
  readonly service: PostingService;
  /** Fetches what decoding needs (e.g. unknown schema ids) once per batch. */
  prepare(records: readonly SourceRecord[]): Promise<void>;
  decode(record: SourceRecord): Decoded<T>;
  identify(item: T): ItemIdentity;
  /** The item as its dead letter carries it. */
  payload(item: T): DeadLetterPayload;
  /** The item a dead letter of this service carries (the inverse of `payload`); null when it carries none. */
  revive(letter: DeadLetter): T | null;
  /**
   * May buffer; rejects when retries ran out (then nothing buffered is confirmed). A permanent
   * refusal of one item is returned in `refused`, never thrown.
   */
  post(items: readonly T[]): Promise<Round<T>>;
  flush(): Promise<Round<T>>;
  flushIfDue(): Promise<Round<T>>;
  /**
   * Records a confirmed item adds to other topics (e.g. genealogy edges), produced with its audit
   * record, before its offset is committed; optional.
   */
  outputs?(confirmed: Confirmed<T>): readonly SinkRecord[];
}
