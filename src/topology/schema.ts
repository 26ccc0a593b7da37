// The JSON schema of a topology file (version 1). Compiled once, at module load. Unknown keys are
// errors everywhere (`additionalProperties: false`). `x-expected` phrases what a value should look
// like; the schema check uses it in messages instead of Ajv's generic wording.
import { MILESTONE_KINDS, STATE_CATEGORIES } from '../core/types.js';
import { WEEKDAYS } from '../core/plan.js';
import { INGEST_SCHEMA } from './ingest-section.js';
import { MATERIAL_SCHEMA } from './material-section.js';

const CATEGORY_ALT = STATE_CATEGORIES.join('|');
const DAY_ALT = WEEKDAYS.join('|');

/** Reason codes: no spaces and no `/` (they appear in `down/<reason>` loss keys). */
export const REASON_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}';
export const ID_PATTERN = '^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$';
export const LOSS_KEY_PATTERN = `^(?:${CATEGORY_ALT})$|^down/${REASON_PATTERN}$`;

const duration = {
  type: ['string', 'integer'],
  minimum: 0,
  format: 'duration',
  'x-expected': 'a duration like 250ms, 30s, 5m, 8h, 2d, 1h30m, or integer milliseconds',
} as const;

const id = (what: string, example: string) =>
  ({
    type: 'string',
    pattern: ID_PATTERN,
    'x-expected': `a ${what} id (lower-case letters, digits, - and _; e.g. ${example})`,
  }) as const;

const text = { type: 'string', minLength: 1 } as const;
const description = { type: 'string' } as const;
const reasonCode = {
  type: 'string',
  pattern: `^${REASON_PATTERN}$`,
  'x-expected': 'a reason code (letters, digits, _ . : -; no spaces or /; e.g. die-jam)',
} as const;

const stateMapping = {
  if: { type: 'string' },
  then: {
    type: 'string',
    pattern: `^(?:${CATEGORY_ALT})(?:/${REASON_PATTERN})?$`,
    'x-expected': `a category (${STATE_CATEGORIES.join(', ')}) or down/<reason>`,
  },
  else: {
    type: 'object',
    'x-expected': `a category (${STATE_CATEGORIES.join(', ')}), down/<reason>, or { category, reason }`,
    additionalProperties: false,
    required: ['category'],
    properties: { category: { enum: [...STATE_CATEGORIES] }, reason: reasonCode },
  },
} as const;

const tagBase = { machine: id('machine', 'press-01'), description } as const;

const tag = {
  type: 'object',
  required: ['role'],
  discriminator: { propertyName: 'role' },
  oneOf: [
    {
      additionalProperties: false,
      required: ['machine', 'values'],
      properties: {
        role: { const: 'state' },
        ...tagBase,
        values: { type: 'object', minProperties: 1, additionalProperties: stateMapping },
        default: stateMapping,
      },
    },
    {
      additionalProperties: false,
      required: ['machine'],
      properties: {
        role: { const: 'reason' },
        ...tagBase,
        values: {
          type: 'object',
          additionalProperties: {
            anyOf: [reasonCode, { type: 'null' }],
            'x-expected': 'a reason code or null (clears the reason)',
          },
        },
        strict: { type: 'boolean' },
      },
    },
    {
      additionalProperties: false,
      required: ['machine', 'counter', 'mode'],
      properties: {
        role: { const: 'counter' },
        ...tagBase,
        counter: {
          type: 'string',
          pattern: '^[a-z][a-z0-9_-]{0,62}$',
          'x-expected': 'a counter name: good, scrap, or another lower-case name',
        },
        mode: { enum: ['total', 'delta'] },
        rolloverAt: { type: 'integer', minimum: 2 },
      },
    },
    {
      additionalProperties: false,
      required: ['machine'],
      properties: { role: { const: 'heartbeat' }, ...tagBase },
    },
    {
      additionalProperties: false,
      required: ['machine', 'milestone'],
      properties: {
        role: { const: 'milestone' },
        ...tagBase,
        milestone: { enum: [...MILESTONE_KINDS, 'inspection'] },
        // Inspection tags (docs/semantics.md section 9); rule inspection-rule checks where they fit.
        test: { type: 'string', minLength: 1 },
        unit: { type: 'string', minLength: 1 },
        limitLow: { type: 'number' },
        limitHigh: { type: 'number' },
        scrapOnFail: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    {
      additionalProperties: false,
      required: ['machine'],
      properties: { role: { const: 'order' }, ...tagBase },
    },
  ],
} as const;

const window = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      additionalProperties: false,
      required: ['size'],
      properties: { kind: { const: 'tumbling' }, name: text, size: duration },
    },
    {
      additionalProperties: false,
      required: ['size', 'advance'],
      properties: { kind: { const: 'hopping' }, name: text, size: duration, advance: duration },
    },
    { additionalProperties: false, properties: { kind: { const: 'shift' }, name: text } },
  ],
} as const;

const localTime = {
  type: 'string',
  pattern: '^(?:[01][0-9]|2[0-4]):[0-5][0-9](?::[0-5][0-9])?$',
  'x-expected': 'a local time HH:MM or HH:MM:SS in quotes, e.g. "06:00"',
} as const;
const localDate = {
  type: 'string',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  'x-expected': 'a local date YYYY-MM-DD',
} as const;
const shiftName = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_-]{0,31}$',
  'x-expected': 'a shift name in lower case, e.g. early',
} as const;
const shiftDef = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'start', 'end'],
  properties: { name: shiftName, start: localTime, end: localTime },
} as const;

const topic = {
  type: 'string',
  pattern: '^[A-Za-z0-9._-]{1,249}$',
  'x-expected': 'a Kafka topic name (letters, digits, . _ -; at most 249)',
} as const;

export const TOPOLOGY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  // `x-` keys hold YAML anchors for reuse (`x-tables: { press: &press-states {...} }`); they are ignored.
  patternProperties: { '^x-': true },
  required: ['version', 'plant', 'workCenters', 'machines', 'tags', 'windows', 'calendar', 'odoo'],
  properties: {
    version: { const: 1 },
    plant: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'timeZone'],
      properties: { id: id('plant', 'stamping-berlin'), name: text, timeZone: text },
    },
    eventTime: {
      type: 'object',
      additionalProperties: false,
      properties: {
        silenceTimeout: duration,
        outOfOrderness: duration,
        grace: duration,
        idleTimeout: duration,
        amendmentHorizon: duration,
      },
    },
    validation: { type: 'object', additionalProperties: false, properties: { maxFuture: duration, maxPast: duration } },
    policies: {
      type: 'object',
      additionalProperties: false,
      properties: { rejected: { enum: ['dead-letter', 'drop', 'fail'] }, late: { enum: ['amend', 'report-only'] } },
    },
    topics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        raw: topic,
        canonical: topic,
        enriched: topic,
        milestones: topic,
        windowSummaries: topic,
        shiftSummaries: topic,
        orderSummaries: topic,
        rejected: topic,
        late: topic,
        orders: topic,
      },
    },
    orders: {
      type: 'object',
      additionalProperties: false,
      properties: { tagging: { type: 'boolean' }, attribution: { type: 'boolean' }, loadTimeout: duration },
    },
    workCenters: {
      type: 'object',
      minProperties: 1,
      propertyNames: id('work center', 'press-line-1'),
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['odooCode'],
        properties: { odooCode: text, stateMachine: id('machine', 'press-01'), idealCycleTime: duration, description },
      },
    },
    machines: {
      type: 'object',
      minProperties: 1,
      propertyNames: id('machine', 'press-01'),
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['workCenter'],
        properties: { workCenter: id('work center', 'press-line-1'), silenceTimeout: duration, description },
      },
    },
    tags: {
      type: 'object',
      minProperties: 1,
      propertyNames: {
        type: 'string',
        // `$shiftstream.` is the raw topic's own (watermark markers, core/raw-markers.ts).
        pattern: '^(?!\\$shiftstream\\.)\\S(?:.{0,254}\\S)?$',
        'x-expected': "a tag name without leading or trailing spaces, not starting with '$shiftstream.' (reserved)",
      },
      additionalProperties: tag,
    },
    windows: { type: 'array', items: window },
    calendar: {
      type: 'object',
      additionalProperties: false,
      required: ['shifts'],
      properties: {
        shifts: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'start', 'end', 'days'],
            properties: {
              name: shiftName,
              start: localTime,
              end: localTime,
              days: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'string',
                  pattern: `^(?:${DAY_ALT})(?:-(?:${DAY_ALT}))?$`,
                  'x-expected': 'a weekday (mon .. sun) or a range such as mon-fri',
                },
              },
            },
          },
        },
        holidays: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['date'],
            properties: { date: localDate, name: text },
          },
        },
        overrides: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['date', 'shifts'],
            properties: { date: localDate, name: text, shifts: { type: 'array', items: shiftDef } },
          },
        },
      },
    },
    odoo: {
      type: 'object',
      additionalProperties: false,
      required: ['losses'],
      properties: {
        post: { type: 'array', uniqueItems: true, items: { enum: [...STATE_CATEGORIES] } },
        quantities: { enum: ['orders', 'milestones'] },
        scrapReason: text,
        losses: {
          type: 'object',
          propertyNames: {
            type: 'string',
            pattern: LOSS_KEY_PATTERN,
            'x-expected': `a category (${STATE_CATEGORIES.join(', ')}) or down/<reason>`,
          },
          additionalProperties: text,
        },
      },
    },
    maintenance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cooldown: duration,
        equipment: {
          type: 'object',
          propertyNames: id('work center', 'press-line-1'),
          additionalProperties: { type: 'array', minItems: 1, uniqueItems: true, items: text },
        },
        rules: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'workCenter', 'reason', 'equipment'],
            'x-expected': 'a rule with name, workCenter, reason, equipment and one of longerThan, totalOver or count',
            oneOf: [{ required: ['longerThan'] }, { required: ['totalOver'] }, { required: ['count'] }],
            properties: {
              name: id('maintenance rule', 'die-jam-long'),
              workCenter: id('work center', 'press-line-1'),
              reason: reasonCode,
              longerThan: duration,
              totalOver: duration,
              count: { type: 'integer', minimum: 1, 'x-expected': 'a whole number of stops, at least 1' },
              equipment: text,
              team: text,
              priority: { enum: ['0', '1', '2', '3'] },
              description,
            },
          },
        },
      },
    },
    ingest: INGEST_SCHEMA,
    material: MATERIAL_SCHEMA,
  },
} as const;
