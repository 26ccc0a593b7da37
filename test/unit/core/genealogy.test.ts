// The genealogy trace (core/genealogy.ts) over a two-level day (coils -> blanks -> panels), with a
// lot name shared by two products and a cycle, against hand-written trees.
import { describe, expect, it } from 'vitest';
import { edgeKey, formatTrace, traceLot, type GenealogyEdge } from '../../../src/core/genealogy.js';

const e = (kind: GenealogyEdge['kind'], order: string, product: string, lot: string): GenealogyEdge => ({
  version: 1,
  plantId: 'p',
  kind,
  order,
  product,
  lot,
  atMs: 0,
});

const DAY = [
  e('consumed', 'BLANK/1', 'COIL', 'C-1'),
  e('consumed', 'BLANK/1', 'COIL', 'C-2'),
  e('produced', 'BLANK/1', 'BLANK', 'B-1'),
  e('consumed', 'BLANK/2', 'COIL', 'C-2'),
  e('produced', 'BLANK/2', 'BLANK', 'B-2'),
  e('consumed', 'PRESS/1', 'BLANK', 'B-1'),
  e('consumed', 'PRESS/1', 'BLANK', 'B-2'),
  e('produced', 'PRESS/1', 'PANEL', 'P-1'),
  e('produced', 'PRESS/1', 'PANEL', 'C-1'), // a panel serial named like a coil lot
];

describe('traceLot', () => {
  it('forward: what was made from a coil, two levels down', () => {
    const [root] = traceLot(DAY, 'C-2', 'forward');
    expect(root).toEqual({
      product: 'COIL',
      lot: 'C-2',
      repeated: false,
      orders: [
        {
          order: 'BLANK/1',
          lots: [
            {
              product: 'BLANK',
              lot: 'B-1',
              repeated: false,
              orders: [
                {
                  order: 'PRESS/1',
                  lots: [
                    { product: 'PANEL', lot: 'C-1', repeated: false, orders: [] },
                    { product: 'PANEL', lot: 'P-1', repeated: false, orders: [] },
                  ],
                },
              ],
            },
          ],
        },
        {
          order: 'BLANK/2',
          lots: [expect.objectContaining({ lot: 'B-2', orders: [expect.objectContaining({ order: 'PRESS/1' })] })],
        },
      ],
    });
  });

  it('backward: what a panel was made from; a lot name of two products gives two roots unless --product', () => {
    const roots = traceLot(DAY, 'C-1', 'backward');
    expect(roots.map((r) => `${r.product}:${r.lot}`)).toEqual(['COIL:C-1', 'PANEL:C-1']);
    expect(roots[0]!.orders).toEqual([]); // the coil was produced by no order we know
    const [panel] = traceLot(DAY, 'C-1', 'backward', 'PANEL');
    const blanks = panel!.orders[0]!.lots.map((l) => l.lot);
    expect(blanks).toEqual(['B-1', 'B-2']);
    expect(panel!.orders[0]!.lots[0]!.orders[0]!.lots.map((l) => l.lot)).toEqual(['C-1', 'C-2']);
    expect(formatTrace([panel!], 'backward').split('\n').slice(0, 3)).toEqual([
      'lot C-1 (PANEL)',
      '  produced by PRESS/1, from',
      '    lot B-1 (BLANK)',
    ]);
  });

  it('a cycle (rework: a lot consumed into the order that made it) is cut, not followed forever', () => {
    const cyc = [e('produced', 'R/1', 'X', 'L'), e('consumed', 'R/1', 'X', 'L')];
    const [root] = traceLot(cyc, 'L', 'forward');
    expect(root!.orders[0]!.lots[0]).toEqual({ product: 'X', lot: 'L', orders: [], repeated: true });
  });

  it('edge keys are one per (plant, kind, order, product, lot): the compacted topic keeps one edge each', () => {
    expect(new Set(DAY.map(edgeKey)).size).toBe(DAY.length);
    const moved: GenealogyEdge = { ...DAY[0]!, atMs: 5 };
    expect(edgeKey(moved)).toBe(edgeKey(DAY[0]!));
  });
});
