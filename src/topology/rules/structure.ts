// Rules about how tags, machines and work centers refer to each other.
import { didYouMean } from '../schema-check.js';
import { machinesByWorkCenter, ordersOf, topicsOf } from '../model.js';
import { pointer } from '../source.js';
import { quoteList, type LintRule } from './rule.js';

export const unknownMachine: LintRule = {
  name: 'unknown-machine',
  severity: 'error',
  summary: 'Every tag and every work center `stateMachine` names a machine declared under `machines`.',
  check({ doc, report }) {
    const known = Object.keys(doc.machines);
    for (const [tag, t] of Object.entries(doc.tags)) {
      if (doc.machines[t.machine] === undefined) {
        report(
          pointer('tags', tag, 'machine'),
          `tag '${tag}' names machine '${t.machine}': expected one of ` +
            `${quoteList(known)}, found '${t.machine}'${didYouMean(t.machine, known)}`,
        );
      }
    }
    for (const [wc, w] of Object.entries(doc.workCenters)) {
      if (w.stateMachine !== undefined && doc.machines[w.stateMachine] === undefined) {
        report(
          pointer('workCenters', wc, 'stateMachine'),
          `work center '${wc}' names state machine '${w.stateMachine}': expected one of ` +
            `${quoteList(known)}, found '${w.stateMachine}'${didYouMean(w.stateMachine, known)}`,
        );
      }
    }
  },
};

export const unknownWorkCenter: LintRule = {
  name: 'unknown-work-center',
  severity: 'error',
  summary: 'Every machine belongs to a work center declared under `workCenters`.',
  check({ doc, report }) {
    const known = Object.keys(doc.workCenters);
    for (const [machine, m] of Object.entries(doc.machines)) {
      if (doc.workCenters[m.workCenter] === undefined) {
        report(
          pointer('machines', machine, 'workCenter'),
          `machine '${machine}' names work center '${m.workCenter}': expected one of ` +
            `${quoteList(known)}, found '${m.workCenter}'${didYouMean(m.workCenter, known)}`,
        );
      }
    }
  },
};

type Doc = Parameters<LintRule['check']>[0]['doc'];

/** State tags per machine, in file order, indexed once per document (lint must stay linear). */
const stateTagIndex = new WeakMap<Doc, Map<string, string[]>>();

function stateTagsOf(doc: Doc, machine: string): readonly string[] {
  let index = stateTagIndex.get(doc);
  if (index === undefined) {
    index = new Map();
    for (const [tag, t] of Object.entries(doc.tags)) {
      if (t.role !== 'state') continue;
      const list = index.get(t.machine);
      if (list === undefined) index.set(t.machine, [tag]);
      else list.push(tag);
    }
    stateTagIndex.set(doc, index);
  }
  return index.get(machine) ?? [];
}

export const stateMachineHasStateTag: LintRule = {
  name: 'state-machine-has-state-tag',
  severity: 'error',
  summary:
    'Every work center has a designated state machine (`stateMachine`, or ' +
    'its only machine) that is one of its own machines and has a state tag.',
  check({ doc, report }) {
    const byWc = machinesByWorkCenter(doc);
    for (const [wc, w] of Object.entries(doc.workCenters)) {
      const own = byWc.get(wc) ?? [];
      if (w.stateMachine === undefined) {
        if (own.length === 0) {
          report(
            pointer('workCenters', wc),
            `work center '${wc}' has no machines: expected at least one machine with 'workCenter: ${wc}', found none`,
          );
          continue;
        }
        if (own.length > 1) {
          report(
            pointer('workCenters', wc),
            `work center '${wc}' has ${own.length} machines (${quoteList(own)}): expected ` +
              `'stateMachine' naming the one whose states are the work center's, found none`,
          );
          continue;
        }
      }
      const sm = w.stateMachine ?? own[0] ?? '';
      const at = w.stateMachine === undefined ? pointer('workCenters', wc) : pointer('workCenters', wc, 'stateMachine');
      const machine = doc.machines[sm];
      if (machine === undefined) continue; // unknown-machine reports it
      if (machine.workCenter !== wc) {
        report(
          at,
          `work center '${wc}' has state machine '${sm}': expected one of its own machines ` +
            `(${quoteList(own)}), found a machine of work center '${machine.workCenter}'`,
        );
        continue;
      }
      if (stateTagsOf(doc, sm).length === 0) {
        report(
          at,
          `work center '${wc}' takes its states from machine '${sm}': ` +
            `expected a tag with 'role: state' and 'machine: ${sm}', found none`,
        );
      }
    }
  },
};

export const oneStateTagPerMachine: LintRule = {
  name: 'one-state-tag-per-machine',
  severity: 'error',
  summary: 'A machine has at most one state tag (its state is one value at a time).',
  check({ doc, report }) {
    for (const machine of Object.keys(doc.machines)) {
      const tags = stateTagsOf(doc, machine);
      for (const extra of tags.slice(1)) {
        report(
          pointer('tags', extra),
          `machine '${machine}' has state tags ${quoteList(tags)}: expected at most one, found ${tags.length}`,
        );
      }
    }
  },
};

export const countersNamed: LintRule = {
  name: 'counters-named',
  severity: 'warning',
  summary:
    'A work center has a `good` counter on one of its machines, else quality, performance and OEE are absent or wrong.',
  check({ doc, report }) {
    const byWc = machinesByWorkCenter(doc);
    // Counter names per work center in tag order, in one pass over the tags.
    const countersByWc = new Map<string, Set<string>>();
    for (const t of Object.values(doc.tags)) {
      if (t.role !== 'counter') continue;
      const wc = doc.machines[t.machine]?.workCenter;
      if (wc === undefined) continue;
      const set = countersByWc.get(wc);
      if (set === undefined) countersByWc.set(wc, new Set([t.counter]));
      else set.add(t.counter);
    }
    for (const wc of Object.keys(doc.workCenters)) {
      const own = byWc.get(wc) ?? [];
      const names = countersByWc.get(wc) ?? new Set<string>();
      if (!names.has('good')) {
        report(
          pointer('workCenters', wc),
          `work center '${wc}' counts ${names.size === 0 ? 'nothing' : quoteList([...names])}: ` +
            `expected a counter named 'good' (and usually 'scrap') on one of its machines ` +
            `(${quoteList(own)}); without it quality, performance and OEE are absent or wrong`,
        );
      }
    }
  },
};

export const uniqueTopics: LintRule = {
  name: 'unique-topics',
  severity: 'error',
  summary: 'Each topic role (raw, enriched, milestones, ..., orders) has its own topic name.',
  check({ doc, report }) {
    const seen = new Map<string, string>();
    for (const [key, name] of [
      ...(Object.entries(topicsOf(doc)) as [string, string][]),
      ['orders', ordersOf(doc).topic] as const,
    ]) {
      const first = seen.get(name);
      if (first !== undefined) {
        // Point at the name the file writes (one of the two may be a default).
        const at = doc.topics !== undefined && key in doc.topics ? key : first;
        report(
          pointer('topics', at),
          `topic '${name}' is used for '${first}' and '${key}': ` +
            `expected a separate topic per role, found the same name`,
        );
      } else seen.set(name, key);
    }
  },
};
