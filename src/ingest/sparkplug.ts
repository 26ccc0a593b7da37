// Sparkplug B host logic for `ingest` (docs/ingest.md, "Sparkplug B"): per edge node the alias table
// and metric names of its NBIRTH and DBIRTHs, the `seq` check, and deaths. A decoded message becomes
// raw samples (metric name -> tag by the topology's rules), rejects with reasons, and at most one
// rebirth request (NCMD `Node Control/Rebirth`) for an unknown alias, data before a birth, or a seq
// gap. No I/O and no clock: the caller decodes, passes the wall clock, spools and publishes.
import type { RawSample, SampleValue } from '../core/types.js';
import type { SparkplugDataSet, SparkplugMetric, SparkplugPayload } from '../ports/sparkplug-codec.js';
import type { SparkplugPlan } from '../topology/ingest-section.js';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
const MESSAGE_TYPES = ['NBIRTH', 'NDEATH', 'NDATA', 'DBIRTH', 'DDEATH', 'DDATA'] as const;
type MessageType = (typeof MESSAGE_TYPES)[number];
/** A rebirth request is not repeated for the same node within this time, unless a birth came between. */
export const REBIRTH_HOLD_MS = 5_000;

export type SparkplugRejectReason =
  'unknown-alias' | 'unsupported-datatype' | 'invalid-ts' | 'unknown-topic' | 'dataset-shape' | 'null-cell';
export type RebirthReason = 'unknown-alias' | 'seq-gap' | 'no-birth';

export interface SparkplugResult {
  readonly samples: RawSample[];
  readonly rejects: { readonly reason: SparkplugRejectReason; readonly detail: string }[];
  /** The NCMD topic to publish a rebirth request to, and why. */
  rebirth: { readonly topic: string; readonly reason: RebirthReason; readonly detail: string } | undefined;
  /** A death that was applied (for the log): which node/device and how many state tags it touched. */
  death: { readonly what: string; readonly stateTags: number } | undefined;
  /** The births changed: the caller persists `snapshot()` before acknowledging the message. */
  birthsChanged: boolean;
}

/** What survives a restart (births only; `seq` starts a new baseline after a restart). */
export interface SparkplugSnapshot {
  readonly nodes: Record<
    string,
    { readonly bdSeq: number | null; readonly devices: Record<string, readonly (readonly [string, number | null])[]> }
  >;
}

interface NodeState {
  bdSeq: number | undefined;
  lastSeq: number | undefined;
  /** alias -> [device ('' for the node), metric name]. Aliases are unique across a node and its devices. */
  readonly aliases: Map<number, readonly [string, string]>;
  /** device ('' for the node) -> metric name -> alias. */
  readonly devices: Map<string, Map<string, number | null>>;
  rebirthAtMs: number;
}

const CONTROL = (name: string): boolean =>
  name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/');

/** The DataSet column types whose cells become samples (the basic types of the Sparkplug data types, codes 1..14). */
const CELL_TYPES = new Set([
  'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64',
  'Float', 'Double', 'Boolean', 'String', 'DateTime', 'Text',
]); // prettier-ignore
/** The column types a DataSet's timestamp column may have: epoch milliseconds. */
const TS_TYPES = new Set(['DateTime', 'Int64', 'UInt64']);

function fill(rule: string, group: string, node: string, device: string, metric: string): string {
  return rule.replace(/\{(group|node|device|metric)\}/g, (_, k: string) =>
    k === 'group' ? group : k === 'node' ? node : k === 'device' ? device : metric,
  );
}

export class SparkplugSession {
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly plan: SparkplugPlan,
    private readonly isStateTag: (tag: string) => boolean,
    snapshot?: SparkplugSnapshot,
  ) {
    for (const [key, n] of Object.entries(snapshot?.nodes ?? {})) {
      const node = this.node(key);
      node.bdSeq = n.bdSeq ?? undefined;
      for (const [device, metrics] of Object.entries(n.devices)) this.born(node, device, metrics);
    }
  }

  /** The MQTT topic filters of the configured groups. */
  static filters(plan: SparkplugPlan): string[] {
    return plan.groups.flatMap((g) =>
      MESSAGE_TYPES.map((t) => `${SPARKPLUG_NAMESPACE}/${g}/${t}/${t.startsWith('N') ? '+' : '+/+'}`),
    );
  }

  static isSparkplugTopic(topic: string): boolean {
    return topic.startsWith(`${SPARKPLUG_NAMESPACE}/`);
  }

  /**
   * The names a birth's metric gives samples under besides its own: `<metric>/<member>` of every
   * (nested) member of a template instance, `<metric>/<column>` of every column of a DataSet but
   * its timestamp column; so that a death reaches one that is a state tag.
   */
  private partNames(m: SparkplugMetric, name: string): string[] {
    const out: string[] = [];
    if (m.dataset !== undefined) {
      const ts = this.plan.datasets.get(name)?.timestampColumn;
      for (const c of m.dataset.columns) if (c !== '' && c !== ts) out.push(`${name}/${c}`);
    }
    for (const member of m.members ?? []) {
      if (member.name === undefined) continue;
      const part = `${name}/${member.name}`;
      out.push(part, ...this.partNames(member, part));
    }
    return out;
  }

  /** The tag a metric of `device` ('' for node metrics) of `group/node` is written to. */
  tagOf(group: string, node: string, device: string, metric: string): string {
    const name = fill(device === '' ? this.plan.nodeTag : this.plan.tag, group, node, device, metric);
    return this.plan.tags.get(name) ?? name;
  }

  snapshot(): SparkplugSnapshot {
    const nodes: Record<
      string,
      { bdSeq: number | null; devices: Record<string, (readonly [string, number | null])[]> }
    > = {};
    for (const [key, n] of this.nodes) {
      const devices: Record<string, (readonly [string, number | null])[]> = {};
      for (const [d, metrics] of n.devices) devices[d] = [...metrics];
      nodes[key] = { bdSeq: n.bdSeq ?? null, devices };
    }
    return { nodes };
  }

  private node(key: string): NodeState {
    let n = this.nodes.get(key);
    if (n === undefined) {
      n = { bdSeq: undefined, lastSeq: undefined, aliases: new Map(), devices: new Map(), rebirthAtMs: -Infinity };
      this.nodes.set(key, n);
    }
    return n;
  }

  private born(node: NodeState, device: string, metrics: Iterable<readonly [string, number | null]>): void {
    const old = node.devices.get(device);
    if (old !== undefined) for (const alias of old.values()) if (alias !== null) node.aliases.delete(alias);
    const m = new Map<string, number | null>();
    for (const [name, alias] of metrics) {
      m.set(name, alias);
      if (alias !== null) node.aliases.set(alias, [device, name]);
    }
    node.devices.set(device, m);
  }

  handle(topic: string, payload: SparkplugPayload, nowMs: number): SparkplugResult {
    const r: SparkplugResult = { samples: [], rejects: [], rebirth: undefined, death: undefined, birthsChanged: false };
    const parts = topic.split('/');
    const type = parts[2] as MessageType;
    const group = parts[1] ?? '';
    const nodeId = parts[3] ?? '';
    const device = parts[4] ?? '';
    const deviceLevel = type.startsWith('D');
    if (
      parts[0] !== SPARKPLUG_NAMESPACE ||
      !MESSAGE_TYPES.includes(type) ||
      group === '' ||
      nodeId === '' ||
      parts.length !== (deviceLevel ? 5 : 4) ||
      (deviceLevel && device === '')
    ) {
      r.rejects.push({
        reason: 'unknown-topic',
        detail:
          `topic '${topic}': expected ${SPARKPLUG_NAMESPACE}/<group>/<N|D><BIRTH|DATA|DEATH>/<node>[/<device>], ` +
          'found another shape',
      });
      return r;
    }
    const key = `${group}/${nodeId}`;
    const known = this.nodes.has(key);
    const node = this.node(key);
    const ncmd = `${SPARKPLUG_NAMESPACE}/${group}/NCMD/${nodeId}`;
    const askRebirth = (reason: RebirthReason, detail: string): void => {
      if (r.rebirth !== undefined || nowMs - node.rebirthAtMs < REBIRTH_HOLD_MS) return;
      node.rebirthAtMs = nowMs;
      r.rebirth = { topic: ncmd, reason, detail };
    };

    if (type === 'NDEATH') {
      const bd = payload.metrics.find((m) => m.name === 'bdSeq')?.value;
      if (typeof bd === 'number' && node.bdSeq !== undefined && bd !== node.bdSeq) return r; // a stale will
      const devices = [...node.devices.keys()];
      this.die(r, group, nodeId, node, devices, payload.timestampMs ?? nowMs, `node ${key}`);
      node.lastSeq = undefined;
      node.aliases.clear();
      return r;
    }

    // Every other message of a node carries the node's next seq (0..255, NBIRTH sets the baseline).
    const seq = payload.seq;
    if (type === 'NBIRTH') node.rebirthAtMs = -Infinity;
    else if (seq !== undefined && node.lastSeq !== undefined && seq !== (node.lastSeq + 1) % 256)
      askRebirth(
        'seq-gap',
        `topic '${topic}': expected seq ${(node.lastSeq + 1) % 256} after ${node.lastSeq}, found ${seq}`,
      );
    if (seq !== undefined) node.lastSeq = seq;

    if (type === 'NBIRTH' || type === 'DBIRTH') {
      if (type === 'NBIRTH') {
        const bd = payload.metrics.find((m) => m.name === 'bdSeq')?.value;
        node.bdSeq = typeof bd === 'number' ? bd : undefined;
        node.aliases.clear();
        node.devices.clear();
      } else if (!known) askRebirth('no-birth', `topic '${topic}': a DBIRTH before the node's NBIRTH`);
      const named: (readonly [string, number | null])[] = [];
      for (const m of payload.metrics)
        if (m.name !== undefined) {
          named.push([m.name, m.alias ?? null]);
          // A template's members and a DataSet's columns are named too, so that a death reaches
          // one that is a state tag.
          if (m.isDefinition !== true) for (const part of this.partNames(m, m.name)) named.push([part, null]);
        }
      this.born(node, device, named);
      r.birthsChanged = true;
    } else if (type === 'DDEATH') {
      this.die(r, group, nodeId, node, [device], payload.timestampMs ?? nowMs, `device ${key}/${device}`);
      return r;
    } else if (!known || node.devices.get(device) === undefined)
      askRebirth('no-birth', `topic '${topic}': data before a birth of ${deviceLevel ? 'the device' : 'the node'}`);

    for (const m of payload.metrics) this.metric(r, topic, group, nodeId, device, node, m, payload, askRebirth);
    return r;
  }

  private metric(
    r: SparkplugResult,
    topic: string,
    group: string,
    nodeId: string,
    device: string,
    node: NodeState,
    m: SparkplugMetric,
    payload: SparkplugPayload,
    askRebirth: (reason: RebirthReason, detail: string) => void,
  ): void {
    let name = m.name;
    if (name === undefined && m.alias !== undefined) name = node.aliases.get(m.alias)?.[1];
    const what = `topic '${topic}' metric ${m.name === undefined ? '' : `'${m.name}' `}(alias ${m.alias ?? 'none'})`;
    if (name === undefined) {
      const detail = `${what}: expected an alias of the last birth or a name, found neither`;
      r.rejects.push({ reason: 'unknown-alias', detail });
      askRebirth('unknown-alias', detail);
      return;
    }
    if (CONTROL(name) || m.value === null) return; // control metrics; is_null says nothing about the value
    if (m.members !== undefined) {
      // A Template (docs/ingest.md, "Templates"): a definition declares a shape and gives no
      // sample; an instance gives one sample per member, named `<metric>/<member>`.
      if (m.isDefinition === true) return;
      for (const member of m.members) {
        if (member.name === undefined) {
          r.rejects.push({
            reason: 'unsupported-datatype',
            detail: `${what}: expected every member of the template to have a name, found one without`,
          });
          continue;
        }
        const flat: SparkplugMetric = {
          ...member,
          name: `${name}/${member.name}`,
          alias: undefined,
          timestampMs: member.timestampMs ?? m.timestampMs,
          isHistorical: member.isHistorical || m.isHistorical,
        };
        this.metric(r, topic, group, nodeId, device, node, flat, payload, askRebirth);
      }
      return;
    }
    if (m.dataset !== undefined) {
      this.dataset(r, what, group, nodeId, device, name, m, m.dataset, payload);
      return;
    }
    if (m.value === undefined) {
      r.rejects.push({
        reason: 'unsupported-datatype',
        detail: `${what}: expected a number, string or boolean (or an integer below 2^53), found a ${m.type}`,
      });
      return;
    }
    const tsMs = m.timestampMs ?? payload.timestampMs;
    if (tsMs === undefined) {
      r.rejects.push({ reason: 'invalid-ts', detail: `${what}: expected a metric or payload timestamp, found none` });
      return;
    }
    const value: SampleValue = m.value;
    r.samples.push({ tag: this.tagOf(group, nodeId, device, name), tsMs, value, quality: 'good' });
  }

  /**
   * A DataSet (docs/ingest.md, "DataSets"): each cell is one sample, tag `<metric>/<column>`. A
   * table of one row takes the metric's timestamp (else the payload's); a table of several rows
   * needs a timestamp column named in the topology (`datasets`), whose cell is each row's ts and
   * gives no sample, and each ts at most once. What does not fit is rejected with where, what was
   * expected and what was found; the other cells are kept.
   */
  private dataset(
    r: SparkplugResult,
    what: string,
    group: string,
    nodeId: string,
    device: string,
    name: string,
    m: SparkplugMetric,
    d: SparkplugDataSet,
    payload: SparkplugPayload,
  ): void {
    const shape = (detail: string): void =>
      void r.rejects.push({ reason: 'dataset-shape', detail: `${what}: ${detail}` });
    const n = d.columns.length;
    if (d.types.length !== n || (d.numOfColumns !== undefined && d.numOfColumns !== n)) {
      shape(
        'expected num_of_columns, columns and types of one length, found ' +
          `${d.numOfColumns === undefined ? 'no num_of_columns' : `num_of_columns ${d.numOfColumns}`}, ` +
          `${n} columns and ${d.types.length} types`,
      );
      return;
    }
    const seen = new Set<string>();
    for (const c of d.columns) {
      if (c === '' || seen.has(c)) {
        shape(`expected distinct, non-empty column names, found ${c === '' ? 'an empty one' : `'${c}' twice`}`);
        return;
      }
      seen.add(c);
    }
    if (d.rows.length === 0) return; // an empty table says nothing
    const tsColumn = this.plan.datasets.get(name)?.timestampColumn;
    const tsAt = tsColumn === undefined ? -1 : d.columns.indexOf(tsColumn);
    if (tsColumn !== undefined && tsAt < 0) {
      shape(
        `expected the timestamp column '${tsColumn}' (ingest.mqtt.sparkplug.datasets), ` +
          `found the columns ${d.columns.map((c) => `'${c}'`).join(', ')}`,
      );
      return;
    }
    if (tsColumn !== undefined && !TS_TYPES.has(d.types[tsAt]!)) {
      shape(`expected the timestamp column '${tsColumn}' of type DateTime, Int64 or UInt64, found ${d.types[tsAt]}`);
      return;
    }
    if (tsColumn === undefined && d.rows.length > 1) {
      shape(
        `expected one row, or a timestamp column for '${name}' in ingest.mqtt.sparkplug.datasets, ` +
          `found ${d.rows.length} rows`,
      );
      return;
    }
    const metricTs = m.timestampMs ?? payload.timestampMs;
    if (tsColumn === undefined && metricTs === undefined) {
      r.rejects.push({ reason: 'invalid-ts', detail: `${what}: expected a metric or payload timestamp, found none` });
      return;
    }
    const columns: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === tsAt) continue;
      if (CELL_TYPES.has(d.types[j]!)) columns.push(j);
      else
        r.rejects.push({
          reason: 'unsupported-datatype',
          detail:
            `${what} column '${d.columns[j]}': expected a column of a basic type (Int8..UInt64, Float, Double, ` +
            `Boolean, String, DateTime, Text), found ${d.types[j]} (its ${d.rows.length} cells give no sample)`,
        });
    }
    // Each row's ts; a ts two rows share is ambiguous (two values of a tag at one instant): none is kept.
    const rowTs: (number | undefined)[] = [];
    const rowsAt = new Map<number, number[]>();
    d.rows.forEach((row, i) => {
      const where = `${what} row ${i + 1} of ${d.rows.length}`;
      if (row.length !== n) {
        shape(`row ${i + 1} of ${d.rows.length}: expected ${n} cells, found ${row.length}`);
        rowTs.push(undefined);
        return;
      }
      if (tsAt < 0) {
        rowTs.push(metricTs);
        return;
      }
      const cell = row[tsAt];
      if (typeof cell !== 'number' || !Number.isSafeInteger(cell)) {
        const found = cell === null ? 'no value' : typeof cell === 'object' ? cell.unsupported : JSON.stringify(cell);
        r.rejects.push({
          reason: 'invalid-ts',
          detail: `${where} column '${tsColumn}': expected epoch milliseconds, found ${found}`,
        });
        rowTs.push(undefined);
        return;
      }
      rowTs.push(cell);
      const at = rowsAt.get(cell);
      if (at === undefined) rowsAt.set(cell, [i]);
      else at.push(i);
    });
    for (const [ts, rows] of rowsAt)
      if (rows.length > 1) {
        shape(
          `expected each timestamp in one row, found ${ts} in rows ${rows.map((i) => i + 1).join(', ')} ` +
            `of ${d.rows.length} (none of them is kept)`,
        );
        for (const i of rows) rowTs[i] = undefined;
      }
    d.rows.forEach((row, i) => {
      const tsMs = rowTs[i];
      if (tsMs === undefined) return;
      for (const j of columns) {
        const cell = row[j]!;
        const column = d.columns[j]!;
        if (cell === null || typeof cell === 'object') {
          const where = `${what} row ${i + 1} of ${d.rows.length} column '${column}' (${d.types[j]})`;
          r.rejects.push(
            cell === null
              ? { reason: 'null-cell', detail: `${where}: expected a value, found none (null)` }
              : {
                  reason: 'unsupported-datatype',
                  detail: `${where}: expected a value of type ${d.types[j]}, found ${cell.unsupported}`,
                },
          );
          continue;
        }
        r.samples.push({
          tag: this.tagOf(group, nodeId, device, `${name}/${column}`),
          tsMs,
          value: cell,
          quality: 'good',
        });
      }
    });
  }

  /** docs/semantics.md section 3 ("Deaths"): the state tags of the dead node/device get `deathValue`. */
  private die(
    r: SparkplugResult,
    group: string,
    nodeId: string,
    node: NodeState,
    devices: readonly string[],
    atMs: number,
    what: string,
  ): void {
    let stateTags = 0;
    const death = this.plan.deathValue;
    for (const device of devices) {
      const metrics = node.devices.get(device);
      if (metrics === undefined) continue;
      for (const name of metrics.keys()) {
        const tag = this.tagOf(group, nodeId, device, name);
        if (CONTROL(name) || !this.isStateTag(tag)) continue;
        stateTags++;
        if (death !== undefined) r.samples.push({ tag, tsMs: atMs, value: death, quality: 'uncertain' });
      }
      // Dead until its next birth: its aliases go, so its data before that asks for a rebirth.
      for (const alias of metrics.values()) if (alias !== null) node.aliases.delete(alias);
      node.devices.delete(device);
    }
    r.death = { what, stateTags };
    r.birthsChanged = true;
  }
}
