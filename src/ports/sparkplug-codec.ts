// Port: the Sparkplug B payload codec (protobuf). The adapter (io/mqtt/sparkplug-codec.ts, on
// the Tahu protobuf classes of sparkplug-payload) turns 64-bit integers into numbers, so nothing
// past it sees a Long.

/**
 * One cell of a DataSet row: its value by the column's type; null when the cell holds no value;
 * `unsupported` (what was found, for the reject) when it holds one shiftstream cannot carry
 * exactly: a 64-bit integer beyond 2^53, a value in another field than the column's type has, an
 * extension value, or any value of a column type other than Int8..UInt64, Float, Double, Boolean,
 * String, DateTime and Text.
 */
export type SparkplugCell = number | string | boolean | null | { readonly unsupported: string };

/** A DataSet value (Sparkplug B `Payload.DataSet`): a table of typed columns. */
export interface SparkplugDataSet {
  /** `num_of_columns` as sent; undefined when absent. */
  readonly numOfColumns: number | undefined;
  readonly columns: readonly string[];
  /** The column datatype names, e.g. `Int32`, `Double`; `Unknown(<code>)` for a code the spec has not. */
  readonly types: readonly string[];
  /** Each row's cells as sent (a row may hold more or fewer than `columns.length`). */
  readonly rows: readonly (readonly SparkplugCell[])[];
}

export interface SparkplugMetric {
  readonly name: string | undefined;
  readonly alias: number | undefined;
  readonly timestampMs: number | undefined;
  /** The Sparkplug datatype name, e.g. `Int32`, `Double`, `Boolean`, `String`. */
  readonly type: string;
  /**
   * null for `is_null` (or no value); undefined for a value shiftstream cannot carry as one sample
   * (DataSet, Template, Bytes, ...).
   */
  readonly value: number | string | boolean | null | undefined;
  readonly isHistorical: boolean;
  /**
   * A Template value: its member metrics (nested templates have members of their own); the host
   * flattens them to `<metric>/<member>` (docs/ingest.md, "Templates"). Undefined otherwise.
   */
  readonly members?: readonly SparkplugMetric[];
  /** A Template definition (in a birth): it declares a shape and carries no value. */
  readonly isDefinition?: boolean;
  /** A DataSet value (docs/ingest.md, "DataSets"); `value` is then undefined. */
  readonly dataset?: SparkplugDataSet;
}

export interface SparkplugPayload {
  readonly timestampMs: number | undefined;
  readonly seq: number | undefined;
  readonly metrics: readonly SparkplugMetric[];
}

export type SparkplugDecode =
  { readonly ok: true; readonly payload: SparkplugPayload } | { readonly ok: false; readonly detail: string };

export interface SparkplugCodec {
  /** Decodes a payload; a compressed one (`SPBV1.0_COMPRESSED`, DEFLATE or GZIP) is inflated first. */
  decode(bytes: Buffer): SparkplugDecode;
  /** The NCMD payload asking an edge node to publish its births again (`Node Control/Rebirth` = true). */
  rebirthRequest(atMs: number): Buffer;
}
