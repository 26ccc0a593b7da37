// Port: the Sparkplug B payload codec (protobuf). The adapter (io/mqtt/sparkplug-codec.ts, on
// sparkplug-payload) turns 64-bit integers into numbers, so nothing past it sees a Long.

export interface SparkplugMetric {
  readonly name: string | undefined;
  readonly alias: number | undefined;
  readonly timestampMs: number | undefined;
  /** The Sparkplug datatype name, e.g. `Int32`, `Double`, `Boolean`, `String`. */
  readonly type: string;
  /** null for `is_null`; undefined for a value shiftstream cannot carry (DataSet, Template, Bytes, ...). */
  readonly value: number | string | boolean | null | undefined;
  readonly isHistorical: boolean;
  /**
   * A Template value: its member metrics (nested templates have members of their own); the host
   * flattens them to `<metric>/<member>` (docs/ingest.md, "Templates"). Undefined otherwise.
   */
  readonly members?: readonly SparkplugMetric[];
  /** A Template definition (in a birth): it declares a shape and carries no value. */
  readonly isDefinition?: boolean;
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
