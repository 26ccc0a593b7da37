// Rules about the `ingest` section (docs/ingest.md).
import { pointer } from '../source.js';
import type { LintRule } from './rule.js';

export const sparkplugHost: LintRule = {
  name: 'sparkplug-host',
  severity: 'error',
  summary:
    'A Sparkplug `hostId` (ingest as a Sparkplug Host Application) is not combined with JSON ' +
    '`subscriptions`: a host connects with a clean session, which would drop their QoS 1 ' +
    'messages while ingest is down.',
  check({ doc, report }) {
    const mqtt = doc.ingest?.mqtt;
    const hostId = mqtt?.sparkplug?.hostId;
    if (hostId === undefined || (mqtt?.subscriptions ?? []).length === 0) return;
    report(
      pointer('ingest', 'mqtt', 'sparkplug', 'hostId'),
      `ingest.mqtt.sparkplug.hostId '${hostId}' makes ingest a Sparkplug Host Application, which must ` +
        'connect with a clean session (Sparkplug 3.0); the JSON subscriptions would then lose the QoS 1 ' +
        'messages published while ingest is down: expected no ingest.mqtt.subscriptions with a hostId, found ' +
        `${mqtt!.subscriptions!.length} (run a second ingest, with its own clientId, for the JSON topics)`,
    );
  },
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regular expression for the names a Sparkplug tag rule gives a metric whose name matches
 * `metricRe` (group, node and device ids: one topic level each).
 */
function ruleRe(rule: string, metricRe: string): RegExp {
  const parts = rule.split(/(\{(?:group|node|device|metric)\})/);
  const body = parts
    .map((p) => (p === '{metric}' ? `(?:${metricRe})` : /^\{(group|node|device)\}$/.test(p) ? '[^/+#]+' : escapeRe(p)))
    .join('');
  return new RegExp(`^${body}$`);
}

export const sparkplugDatasetTags: LintRule = {
  name: 'sparkplug-dataset-tags',
  severity: 'warning',
  summary:
    'A DataSet metric of `ingest.mqtt.sparkplug.datasets` gives samples only as `<metric>/<column>`: no tag ' +
    'is the metric itself or its timestamp column (neither gets a sample), and some declared tag is one of ' +
    'its columns.',
  check({ doc, report }) {
    const sp = doc.ingest?.mqtt?.sparkplug;
    if (sp?.datasets === undefined) return;
    const rules = [sp.tag ?? '{device}.{metric}', sp.nodeTag ?? '{node}.{metric}'];
    const mapped = Object.keys(sp.tags ?? {});
    const declared = Object.keys(doc.tags);
    // Each name a sample can be written under: a `tags` key (then its value) or a declared tag.
    const names = [
      ...mapped.map((k) => ({ name: k, at: pointer('ingest', 'mqtt', 'sparkplug', 'tags', k) })),
      ...declared.map((t) => ({ name: t, at: pointer('tags', t) })),
    ];
    for (const [metric, { timestampColumn }] of Object.entries(sp.datasets)) {
      const none = [
        { re: rules.map((r) => ruleRe(r, escapeRe(metric))), what: 'the DataSet metric itself' },
        {
          re: rules.map((r) => ruleRe(r, escapeRe(`${metric}/${timestampColumn}`))),
          what: `its timestamp column '${timestampColumn}'`,
        },
      ];
      for (const { re, what } of none)
        for (const { name, at } of names)
          if (re.some((x) => x.test(name)))
            report(
              at,
              `'${name}' is what the Sparkplug tag rules make of ${what} (DataSet '${metric}', ` +
                `ingest.mqtt.sparkplug.datasets), which gives no sample: expected a tag for a column ` +
                `'${metric}/<column>' other than '${timestampColumn}', found '${name}'`,
            );
      const columns = rules.map((r) => ruleRe(r, `${escapeRe(metric)}/.+`));
      if (!names.some(({ name }) => columns.some((x) => x.test(name))))
        report(
          pointer('ingest', 'mqtt', 'sparkplug', 'datasets', metric),
          `DataSet '${metric}' gives samples under '${metric}/<column>', and the tag rules (${rules
            .map((r) => `'${r}'`)
            .join(', ')}) make no declared tag or ingest.mqtt.sparkplug.tags key of one: expected at least one, ` +
            'found none (every cell would be an unknown-tag reject)',
          { preferKey: true },
        );
    }
  },
};
