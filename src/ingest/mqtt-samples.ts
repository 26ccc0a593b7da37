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

function field(o: unknown, path: readonly string[]): unknown {
  let v: unknown = o;
  for (const part of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function tagOf(rule: string, topic: string, caught: readonly string[]): string {
  return rule.replace(/\{(topic|\d+)\}/g, (_, k: string) => (k === 'topic' ? topic : (caught[Number(k) - 1] ?? '')));
}

/** Where a topic goes: its subscription, tag and field paths (undefined: no subscription matches). */
interface Route {
  readonly sub: MqttSubscriptionPlan;
  readonly tag: string;
  readonly ts: readonly string[];
  readonly value: readonly string[];
  readonly quality: readonly string[];
}

// Per subscription list (the topology's), the route of each topic seen: a plant publishes on a
// bounded set of topics, so the filter match and the tag rule run once per topic, not per message.
// Forgotten wholesale beyond ROUTES topics (a topic per message would otherwise grow it forever).
const ROUTES = 16_384;
const routeCaches = new WeakMap<readonly MqttSubscriptionPlan[], Map<string, Route | null>>();

function routeOf(subscriptions: readonly MqttSubscriptionPlan[], topic: string): Route | null {
  let cache = routeCaches.get(subscriptions);
  if (cache === undefined) routeCaches.set(subscriptions, (cache = new Map<string, Route | null>()));
  let route = cache.get(topic);
  if (route !== undefined) return route;
  route = null;
  for (const sub of subscriptions) {
    const caught = matchFilter(sub.filter, topic);
    if (caught === undefined) continue;
    route = {
      sub,
      tag: tagOf(sub.tag, topic, caught),
      ts: split(sub.fields.ts, '.'),
      value: split(sub.fields.value, '.'),
      quality: split(sub.fields.quality, '.'),
    };
    break;
  }
  if (cache.size >= ROUTES) cache.clear();
  cache.set(topic, route);
  return route;
}

export function samplesOf(
  subscriptions: readonly MqttSubscriptionPlan[],
  topic: string,
  payload: Buffer,
): MessageVerdict {
  const route = routeOf(subscriptions, topic);
  if (route === null)
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
  const items: readonly unknown[] = Array.isArray(doc) ? doc : [doc];
  const tag = route.tag;
  const samples: RawSample[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    // Only a reject names where (a string per message otherwise).
    const where = (): string => (Array.isArray(doc) ? `topic '${topic}' item ${i}` : `topic '${topic}'`);
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return {
        ok: false,
        reject: {
          reason: 'malformed-json',
          detail: `${where()}: expected a JSON object, found ${JSON.stringify(item)?.slice(0, 80)}`,
        },
      };
    const r = ndjsonFieldsToSample(field(item, route.ts), tag, field(item, route.value), field(item, route.quality));
    if (isReject(r)) {
      const reason = r.reason === 'malformed-csv' || r.reason === 'line-too-long' ? 'malformed-json' : r.reason;
      return { ok: false, reject: { reason, detail: `${where()}: ${r.detail}` } };
    }
    samples.push(r);
  }
  return { ok: true, samples };
}
