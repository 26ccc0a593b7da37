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
