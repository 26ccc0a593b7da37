// The demo's live view (src/demo/view.ts) names the output directory the user chose with --out.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderView, type ViewState } from '../../../src/demo/view.js';
import { loadTopology } from '../../../src/topology/index.js';

const berlin = loadTopology(fileURLToPath(new URL('../../../topologies/stamping-berlin.yaml', import.meta.url)));

const state = (outDir: string): ViewState => ({
  plant: berlin,
  outDir,
  simNowMs: Date.UTC(2026, 2, 25, 5, 0),
  milestones: [],
  early: [],
  totals: { samples: 12, windows: 3, shifts: 0, rejected: 1 },
});

describe('demo view', () => {
  it('says where the results go, as given with --out', () => {
    expect(renderView(state('/tmp/demo-run-7'), false)).toContain('results in /tmp/demo-run-7');
    expect(renderView(state('out'), true)).toContain('results in out');
  });

  it('lists every work center, with "no data yet" before the first summary', () => {
    const text = renderView(state('out'), true);
    for (const wc of berlin.plant.workCenters.keys()) expect(text).toMatch(new RegExp(`${wc}\\s+.*no data yet`));
  });
});
