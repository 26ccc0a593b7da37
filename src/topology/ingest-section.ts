// The topology's optional `ingest:` section (issue 11): where `shiftstream ingest` reads live
// samples from (MQTT with JSON payloads) and where it spools them while Kafka is unreachable. Its
// schema fragment, document type, plan and compilation live here so the shared topology files
// only gain one line each.
//
//   ingest:
//     mqtt:
//       url: mqtt://broker:1883          # mqtt:// or mqtts://; --mqtt-url overrides
//       clientId: shiftstream-berlin     # persistent session: QoS 1 messages wait while ingest is down
//       protocolVersion: 5               # 4 (3.1.1) or 5, default 4
//       subscriptions:
//         - filter: plant/berlin/+/+/value
//           tag: "{1}.{2}"               # {n}: the n-th wildcard level; {topic}: the whole topic
//           fields: { ts: ts, value: value, quality: quality }   # JSON field names (dots for nesting)
//       sparkplug:                       # Sparkplug B (docs/ingest.md); subscriptions may then be left out
//         groups: [berlin]               # Sparkplug group ids; default: every group (+)
//         tag: "{device}.{metric}"       # device metrics; {group} {node} {device} {metric}
//         nodeTag: "{node}.{metric}"     # node metrics
//         tags: { "Line1.Uptime": M1a.HB } # the rule's result -> the canonical tag, where they differ
//         deathValue: OFFLINE            # NDEATH/DDEATH: the value written to the dead device's state tags
//         hostId: shiftstream-berlin     # publish a Sparkplug 3.0 host STATE (birth, will) as this host id
//         datasets:                      # DataSet metrics of several rows: the column holding each row's ts
//           Press/Log: { timestampColumn: ts }
//     spool:
//       dir: /var/lib/shiftstream/spool
//       maxBytes: 1073741824
//       maxAge: 7d
import { ms } from './model.js';
import type { DurationText } from './document.js';

export const INGEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mqtt: {
      type: 'object',
      additionalProperties: false,
      anyOf: [{ required: ['subscriptions'] }, { required: ['sparkplug'] }],
      'x-expected': 'subscriptions (MQTT with JSON payloads), sparkplug (Sparkplug B), or both',
      properties: {
        url: { type: 'string', pattern: '^mqtts?://', 'x-expected': 'an mqtt:// or mqtts:// URL' },
        clientId: { type: 'string', minLength: 1, maxLength: 128 },
        protocolVersion: { enum: [4, 5] },
        qos: { enum: [0, 1] },
        sparkplug: {
          type: 'object',
          additionalProperties: false,
          properties: {
            groups: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', minLength: 1, pattern: '^[^/+#]+$', 'x-expected': 'a Sparkplug group id' },
            },
            tag: { type: 'string', minLength: 1, 'x-expected': 'a tag rule with {group}, {node}, {device}, {metric}' },
            nodeTag: { type: 'string', minLength: 1, 'x-expected': 'a tag rule with {group}, {node}, {metric}' },
            tags: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
            deathValue: { type: ['string', 'number', 'boolean'] },
            hostId: {
              type: 'string',
              minLength: 1,
              pattern: '^[^/+#]+$',
              'x-expected': 'a Sparkplug host id (no /, + or #)',
            },
            datasets: {
              type: 'object',
              'x-expected': 'a map from a DataSet metric name to { timestampColumn: <column> }',
              additionalProperties: {
                type: 'object',
                additionalProperties: false,
                required: ['timestampColumn'],
                properties: { timestampColumn: { type: 'string', minLength: 1 } },
              },
            },
          },
        },
        subscriptions: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['filter', 'tag'],
            properties: {
              filter: { type: 'string', minLength: 1, 'x-expected': 'an MQTT topic filter, e.g. plant/+/+/value' },
              tag: {
                type: 'string',
                minLength: 1,
                'x-expected': 'a tag rule with {1}, {2}, ... (wildcard levels) or {topic}, e.g. {1}.{2}',
              },
              fields: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  ts: { type: 'string', minLength: 1 },
                  value: { type: 'string', minLength: 1 },
                  quality: { type: 'string', minLength: 1 },
                },
              },
            },
          },
        },
      },
    },
    spool: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        maxBytes: { type: 'integer', minimum: 1_048_576 },
        segmentBytes: { type: 'integer', minimum: 4096 },
        drainShare: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        maxAge: {
          type: ['string', 'integer'],
          minimum: 0,
          format: 'duration',
          'x-expected': 'a duration like 30s, 5m, 8h, 2d, or integer milliseconds',
        },
      },
    },
  },
} as const;

export interface IngestDoc {
  readonly mqtt?: {
    readonly url?: string;
    readonly clientId?: string;
    readonly protocolVersion?: 4 | 5;
    readonly qos?: 0 | 1;
    readonly subscriptions?: readonly {
      readonly filter: string;
      readonly tag: string;
      readonly fields?: { readonly ts?: string; readonly value?: string; readonly quality?: string };
    }[];
    readonly sparkplug?: {
      readonly groups?: readonly string[];
      readonly tag?: string;
      readonly nodeTag?: string;
      readonly tags?: Readonly<Record<string, string>>;
      readonly deathValue?: string | number | boolean;
      readonly hostId?: string;
      readonly datasets?: Readonly<Record<string, { readonly timestampColumn: string }>>;
    };
  };
  readonly spool?: {
    readonly dir?: string;
    readonly maxBytes?: number;
    readonly segmentBytes?: number;
    readonly drainShare?: number;
    readonly maxAge?: DurationText;
  };
}

export interface MqttSubscriptionPlan {
  readonly filter: string;
  readonly tag: string;
  readonly fields: { readonly ts: string; readonly value: string; readonly quality: string };
}

export interface SparkplugPlan {
  /** Group ids subscribed to; `+` for every group. */
  readonly groups: readonly string[];
  readonly tag: string;
  readonly nodeTag: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly deathValue: string | number | boolean | undefined;
  /**
   * When set, ingest is a Sparkplug Host Application with this id: it connects with a clean
   * session and publishes its STATE (`spBv1.0/STATE/<hostId>`, birth and will; docs/ingest.md).
   */
  readonly hostId: string | undefined;
  /**
   * DataSet metrics (by metric name, as the birth names it) whose rows carry their own timestamp
   * in a column: a row is then one sample per other column at that ts (docs/ingest.md, "DataSets").
   */
  readonly datasets: ReadonlyMap<string, { readonly timestampColumn: string }>;
}

export interface IngestPlan {
  readonly mqtt?: {
    readonly url: string;
    readonly clientId: string;
    readonly protocolVersion: 4 | 5;
    readonly qos: 0 | 1;
    readonly subscriptions: readonly MqttSubscriptionPlan[];
    readonly sparkplug?: SparkplugPlan;
  };
  readonly spool: {
    readonly dir: string;
    readonly maxBytes: number;
    readonly segmentBytes: number;
    readonly maxAgeMs: number;
    /** Share of the forwarder's capacity a drain after recovery uses, in (0, 1] (ingest/drain-pace.ts). */
    readonly drainShare: number;
  };
}

/** The drain after an outage uses 80 % of the forwarder's capacity unless configured otherwise. */
export const DEFAULT_DRAIN_SHARE = 0.8;

export function ingestOf(plantId: string, doc: IngestDoc | undefined): IngestPlan {
  const m = doc?.mqtt;
  const s = doc?.spool;
  const spool = {
    dir: s?.dir ?? `spool/${plantId}`,
    maxBytes: s?.maxBytes ?? 1 << 30,
    segmentBytes: s?.segmentBytes ?? 16 << 20,
    maxAgeMs: ms(s?.maxAge ?? '7d'),
    drainShare: s?.drainShare ?? DEFAULT_DRAIN_SHARE,
  };
  if (m === undefined) return { spool };
  return {
    mqtt: {
      url: m.url ?? 'mqtt://127.0.0.1:1883',
      clientId: m.clientId ?? `shiftstream-ingest-${plantId}`,
      protocolVersion: m.protocolVersion ?? 4,
      qos: m.qos ?? 1,
      ...(m.sparkplug === undefined
        ? {}
        : {
            sparkplug: {
              groups: m.sparkplug.groups ?? ['+'],
              tag: m.sparkplug.tag ?? '{device}.{metric}',
              nodeTag: m.sparkplug.nodeTag ?? '{node}.{metric}',
              tags: new Map(Object.entries(m.sparkplug.tags ?? {})),
              deathValue: m.sparkplug.deathValue,
              hostId: m.sparkplug.hostId,
              datasets: new Map(Object.entries(m.sparkplug.datasets ?? {})),
            },
          }),
      subscriptions: (m.subscriptions ?? []).map((x) => ({
        filter: x.filter,
        tag: x.tag,
        fields: {
          ts: x.fields?.ts ?? 'ts',
          value: x.fields?.value ?? 'value',
          quality: x.fields?.quality ?? 'quality',
        },
      })),
    },
    spool,
  };
}
