// The compiled plan's hot-path objects have one shape each (issue 12): every tag plan, whatever
// its kind, carries the same own keys in the same order (the fields of other kinds undefined), and
// so do every machine plan, every work-center plan and every state mapping. Object spreads gave
// each plan object a hidden class of its own and made mapSample's property reads megamorphic
// (bench/map-plan.mjs measures it). Same keys in the same order from one literal is what gives V8
// one hidden class; the exact check (%HaveSameMap) needs --allow-natives-syntax, see the bench.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapSample } from '../../../src/core/mapping.js';
import { loadTopology } from '../../../src/topology/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const shipped = readdirSync(join(ROOT, 'topologies')).filter((f) => /\.ya?ml$/.test(f));

function shapes(objects: Iterable<object>): string[] {
  return [...new Set([...objects].map((o) => Object.keys(o).join(',')))];
}

describe('compiled plan: one shape per hot-path object', () => {
  for (const name of shipped) {
    const plant = loadTopology(join(ROOT, 'topologies', name)).plant;

    it(`${name}: every tag plan of every kind has the same keys in the same order`, () => {
      const kinds = new Set([...plant.tags.values()].map((t) => t.kind));
      expect(kinds.size).toBeGreaterThanOrEqual(4); // the check means something only across kinds
      expect(shapes(plant.tags.values())).toEqual([
        'tag,machineId,kind,values,default,strict,counter,mode,rolloverAt,milestone,inspection',
      ]);
    });

    it(`${name}: machines, work centers and state mappings have one shape each`, () => {
      expect(shapes(plant.machines.values())).toHaveLength(1);
      expect(shapes(plant.workCenters.values())).toEqual([
        'workCenterId,odooCode,stateMachineId,machineIds,idealCycleTimeMs',
      ]);
      const mappings = [...plant.tags.values()].flatMap((t) =>
        t.kind === 'state' ? [...t.values.values(), ...(t.default === undefined ? [] : [t.default])] : [],
      );
      expect(mappings.length).toBeGreaterThan(0);
      expect(shapes(mappings)).toEqual(['category,reason']);
    });

    it(`${name}: the extra undefined fields do not change what a sample maps to`, () => {
      // A state tag's listed value maps to its category; a counter keeps its rollover (or none).
      for (const t of plant.tags.values()) {
        if (t.kind === 'state') {
          const [key, m] = [...t.values][0]!;
          const v = mapSample(plant, { tag: t.tag, tsMs: Date.UTC(2026, 2, 2), value: key, quality: 'good' });
          expect(v.ok && v.event.category === m.category && v.event.reason === m.reason).toBe(true);
        }
        if (t.kind === 'heartbeat') {
          const v = mapSample(plant, { tag: t.tag, tsMs: Date.UTC(2026, 2, 2), value: 1, quality: 'good' });
          expect(v.ok && v.event.kind === 'heartbeat' && v.event.counter === undefined).toBe(true);
        }
      }
    });
  }
});
