// Lot genealogy (docs/semantics.md section 13): edges consumed lot -> order and order -> produced
// lot, one per (plant, kind, order, product, lot), and the trace of a lot through them: forward
// (what was made from it) or backward (what it was made from). Pure; the compacted genealogy topic
// holds the edges (key = edgeKey), `shiftstream trace` prints the tree.

export interface GenealogyEdge {
  readonly version: 1;
  readonly plantId: string;
  readonly kind: 'consumed' | 'produced';
  /** The production (mrp.production name) the lot went into or came out of. */
  readonly order: string;
  /** The plant's product code. */
  readonly product: string;
  readonly lot: string;
  /** The instant of the last posted event of the edge (the compacted topic keeps the last value per key). */
  readonly atMs: number;
}

export function edgeKey(e: Pick<GenealogyEdge, 'plantId' | 'kind' | 'order' | 'product' | 'lot'>): string {
  return `${e.plantId}|${e.kind}|${e.order}|${e.product}|${e.lot}`;
}

export type TraceDirection = 'forward' | 'backward';

export interface TraceNode {
  readonly product: string;
  readonly lot: string;
  /** Forward: the orders that consumed the lot; backward: the orders that produced it. */
  readonly orders: readonly { readonly order: string; readonly lots: readonly TraceNode[] }[];
  /** Seen higher up this branch already (a cycle): not expanded again. */
  readonly repeated: boolean;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The trees of every product's lot named `lot` (optionally of one product), in the direction asked. */
export function traceLot(
  edges: Iterable<GenealogyEdge>,
  lot: string,
  direction: TraceDirection,
  product?: string,
): TraceNode[] {
  const consumedIn = new Map<string, Set<string>>(); // product|lot -> orders
  const producedBy = new Map<string, Set<string>>();
  const inputsOf = new Map<string, Set<string>>(); // order -> product|lot consumed
  const outputsOf = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string): void => {
    const s = m.get(k) ?? new Set<string>();
    s.add(v);
    m.set(k, s);
  };
  const lotsNamed = new Set<string>();
  for (const e of edges) {
    const pl = `${e.product}|${e.lot}`;
    if (e.lot === lot && (product === undefined || e.product === product)) lotsNamed.add(pl);
    if (e.kind === 'consumed') {
      add(consumedIn, pl, e.order);
      add(inputsOf, e.order, pl);
    } else {
      add(producedBy, pl, e.order);
      add(outputsOf, e.order, pl);
    }
  }
  const via = direction === 'forward' ? consumedIn : producedBy;
  const next = direction === 'forward' ? outputsOf : inputsOf;
  const grow = (pl: string, path: ReadonlySet<string>): TraceNode => {
    const [p, l] = [pl.slice(0, pl.indexOf('|')), pl.slice(pl.indexOf('|') + 1)];
    if (path.has(pl)) return { product: p, lot: l, orders: [], repeated: true };
    const here = new Set(path).add(pl);
    const orders = [...(via.get(pl) ?? [])].sort(byText).map((order) => ({
      order,
      lots: [...(next.get(order) ?? [])].sort(byText).map((x) => grow(x, here)),
    }));
    return { product: p, lot: l, orders, repeated: false };
  };
  return [...lotsNamed].sort(byText).map((pl) => grow(pl, new Set()));
}

/** The tree as indented text lines: `lot L (P)`, then `<- order O` / `-> order O`, then its lots. */
export function formatTrace(roots: readonly TraceNode[], direction: TraceDirection): string {
  const out: string[] = [];
  const arrow = direction === 'forward' ? 'consumed by' : 'produced by';
  const walk = (n: TraceNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    out.push(`${pad}lot ${n.lot} (${n.product})${n.repeated ? ' (repeated above)' : ''}`);
    for (const o of n.orders) {
      out.push(`${pad}  ${arrow} ${o.order}${direction === 'forward' ? ', which produced' : ', from'}`);
      for (const c of o.lots) walk(c, depth + 2);
    }
  };
  for (const r of roots) walk(r, 0);
  return out.join('\n');
}
