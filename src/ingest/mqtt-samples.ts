// MQTT message -> raw samples, by the topology's `ingest.mqtt.subscriptions`: the first
// subscription whose filter matches the topic names the tag (its rule with {1}, {2}, ... for the
// wildcard levels and {topic} for the whole topic) and the JSON fields of ts, value and quality.
// A payload is one JSON object or an array of them. No I/O: the caller spools or rejects.
import type { RawSample } from '../core/types.js';
import type { MqttSubscriptionPlan } from '../topology/ingest-section.js';
import { isReject, ndjsonFieldsToSample } from '../replay/records.js';

export interface SampleReject {
  readonly reason: 'unknown-topic' | 'malformed-json' | 'missing-field' | 'invalid-field' | 'invalid-ts';
  readonly detail: string;
}

export type MessageVerdict =
  { readonly ok: true; readonly samples: readonly RawSample[] } | { readonly ok: false; readonly reject: SampleReject };

// Filters and field paths are few and fixed by the topology: split once (this runs per message).
const splitCache = new Map<string, readonly string[]>();
function split(text: string, sep: string): readonly string[] {
  const key = `${sep}${text}`;
  let parts = splitCache.get(key);
  if (parts === undefined) {
    parts = text.split(sep);
    if (splitCache.size < 1024) splitCache.set(key, parts);
  }
  return parts;
}

/** The wildcard levels of `topic` under `filter` (`+` one level, `#` the rest), or undefined. */
export function matchFilter(filter: string, topic: string): string[] | undefined {
  const f = split(filter, '/');
  const t = topic.split('/');
  const caught: string[] = [];
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') {
      caught.push(t.slice(i).join('/'));
      return caught;
    }
    if (i >= t.length) return undefined;
    if (level === '+') caught.push(t[i]!);
    else if (level !== t[i]) return undefined;
  }
  return f.length === t.length ? caught : undefined;
}

function field(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const part of split(path, '.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function tagOf(rule: string, topic: string, caught: readonly string[]): string {
  return rule.replace(/\{(topic|\d+)\}/g, (_, k: string) => (k === 'topic' ? topic : (caught[Number(k) - 1] ?? '')));
}

export function samplesOf(
  subscriptions: readonly MqttSubscriptionPlan[],
  topic: string,
  payload: Buffer,
): MessageVerdict {
  let sub: MqttSubscriptionPlan | undefined;
  let caught: string[] | undefined;
  for (const s of subscriptions) {
    caught = matchFilter(s.filter, topic);
    if (caught !== undefined) {
      sub = s;
      break;
    }
  }
  if (sub === undefined || caught === undefined)
    return {
      ok: false,
      reject: {
        reason: 'unknown-topic',
        detail:
          `topic '${topic}': expected a topic matching ` +
          `${subscriptions.map((s) => `'${s.filter}'`).join(', ')}, found none`,
      },
    };
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      reject: {
        reason: 'malformed-json',
        detail: `topic '${topic}': expected a JSON object, found invalid JSON (${(err as Error).message})`,
      },
    };
  }
  const items = Array.isArray(doc) ? doc : [doc];
  const tag = tagOf(sub.tag, topic, caught);
  const samples: RawSample[] = [];
  for (const [i, item] of items.entries()) {
    const where = Array.isArray(doc) ? `topic '${topic}' item ${i}` : `topic '${topic}'`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return {
        ok: false,
        reject: {
          reason: 'malformed-json',
          detail: `${where}: expected a JSON object, found ${JSON.stringify(item)?.slice(0, 80)}`,
        },
      };
    const r = ndjsonFieldsToSample(
      field(item, sub.fields.ts),
      tag,
      field(item, sub.fields.value),
      field(item, sub.fields.quality),
    );
    if (isReject(r)) {
      const reason = r.reason === 'malformed-csv' || r.reason === 'line-too-long' ? 'malformed-json' : r.reason;
      return { ok: false, reject: { reason, detail: `${where}: ${r.detail}` } };
    }
    samples.push(r);
  }
  return { ok: true, samples };
}
