// Parsing a topology file with the `yaml` package while keeping node positions, so that every
// problem can name its line and column. Also finds duplicate keys, which YAML would otherwise
// resolve silently (we parse with `uniqueKeys: false` and report them as lint problems).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { TopologyProblem } from './types.js';

export interface KeyInfo {
  /** The key as written in the file (`"03"` is `03`, quoted; `0x10` is `0x10`, not quoted). */
  readonly source: string;
  readonly quoted: boolean;
  /** The YAML value of the key (a number for `3`, a boolean for `true`). */
  readonly value: unknown;
}

export interface TopologySource {
  readonly file: string;
  /** The plain JS data (merge keys and aliases resolved). */
  readonly data: unknown;
  /** Problems found while parsing (`yaml-syntax`) and duplicate keys (`unique-tags`, `unique-keys`). */
  readonly problems: readonly TopologyProblem[];
  /** 1-based line and column of the node at a JSON pointer (its nearest existing ancestor if absent). */
  position(path: string, preferKey?: boolean): { line: number; column: number };
  /** How a map key was written, for the pointer to its value. */
  keyInfo(path: string): KeyInfo | undefined;
  /**
   * How the map's own keys at `path` were written (one walk for a whole value table); keys that
   * come from a merge (`<<`) are not in it: ask keyInfo for those.
   */
  keyInfos(path: string): ReadonlyMap<string, KeyInfo>;
}

export function escapePointer(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapePointer(String(s))}`).join('');
}

function splitPointer(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The JS key a YAML map key becomes (`1` and `1.0` both become "1"); undefined for merge keys. */
function keyString(key: unknown): string | undefined {
  if (isScalar(key)) {
    const v = key.value;
    if (typeof v === 'symbol') return undefined;
    return v === null ? '' : String(v);
  }
  return key === null ? '' : String(key);
}

function isMergePair(pair: Pair): boolean {
  return isScalar(pair.key) && typeof pair.key.value === 'symbol';
}

export function parseTopologySource(text: string, file: string): TopologySource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  const problems: TopologyProblem[] = [];
  const posOf = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  for (const err of doc.errors) {
    const message = err.message.split('\n')[0] ?? err.message;
    problems.push({
      file,
      path: '',
      ...posOf(err.pos[0]),
      rule: 'yaml-syntax',
      severity: 'error',
      message: `expected valid YAML, found: ${message}`,
    });
  }

  // Alias.resolve searches the whole document for its anchor: resolve each alias once.
  const aliases = new Map<unknown, unknown>();
  const resolve = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    let target = aliases.get(node);
    if (target === undefined) {
      target = node.resolve(doc) ?? null;
      aliases.set(node, target);
    }
    return target;
  };

  // Key index per map, built on first use: a scan per look-up made lint quadratic in the file size.
  const keyIndexes = new WeakMap<object, Map<string, Pair>>();
  const keyIndex = (m: { items: Pair[] }): Map<string, Pair> => {
    let index = keyIndexes.get(m);
    if (index === undefined) {
      index = new Map();
      for (const pair of m.items) {
        const k = keyString(pair.key);
        if (k !== undefined) index.set(k, pair); // last one wins, as in toJS
      }
      keyIndexes.set(m, index);
    }
    return index;
  };

  /** Finds the pair for `segment` in a map, looking through merge keys. */
  const findPair = (map: unknown, segment: string, depth = 0): Pair | undefined => {
    const m = resolve(map);
    if (!isMap(m) || depth > 16) return undefined;
    const found = keyIndex(m).get(segment);
    if (found !== undefined) return found;
    for (const pair of m.items) {
      if (!isMergePair(pair)) continue;
      const sources = isSeq(resolve(pair.value)) ? (resolve(pair.value) as { items: unknown[] }).items : [pair.value];
      for (const source of sources) {
        const inner = findPair(source, segment, depth + 1);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };

  /** The node at a pointer: its value, or (for positions) the key of a preferred key or a block collection. */
  const walk = (path: string, mode: 'value' | 'position' | 'key'): { node: Node | null; key: Node | null } => {
    let node: unknown = doc.contents;
    let key: Node | null = null; // the key of the pair whose value is `node`, if any
    const segments = splitPointer(path);
    let found = true;
    for (let i = 0; i < segments.length && found; i++) {
      const segment = segments[i] ?? '';
      const current = resolve(node);
      found = false;
      if (isMap(current)) {
        const pair = findPair(current, segment);
        if (pair !== undefined) {
          found = true;
          key = pair.key as Node;
          node = pair.value ?? pair.key;
        }
      } else if (isSeq(current)) {
        const item = current.items[Number(segment)];
        if (item !== undefined) {
          found = true;
          key = null;
          node = item;
        }
      }
    }
    // A block map or list starts on the line after its key: positions point at the key line.
    // This also holds for the nearest ancestor when the path does not exist.
    if (key !== null && (mode === 'key' || (mode === 'position' && (isMap(node) || isSeq(node) || isAlias(node))))) {
      return { node: key, key };
    }
    return { node: (node ?? null) as Node | null, key };
  };

  const position = (path: string, preferKey = false): { line: number; column: number } => {
    const { node } = walk(path, preferKey ? 'key' : 'position');
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 0, column: 0 } : posOf(offset);
  };

  const infoOf = (pair: Pair | undefined): KeyInfo | undefined => {
    if (pair === undefined || !isScalar(pair.key)) return undefined;
    const type = pair.key.type;
    return {
      source: pair.key.source ?? String(pair.key.value),
      quoted: type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE',
      value: pair.key.value,
    };
  };

  const keyInfo = (path: string): KeyInfo | undefined => {
    const segments = splitPointer(path);
    const last = segments.pop();
    if (last === undefined) return undefined;
    const parent = walk(segments.map((s) => `/${escapePointer(s)}`).join(''), 'value').node;
    return infoOf(findPair(parent, last));
  };

  const keyInfos = (path: string): ReadonlyMap<string, KeyInfo> => {
    const out = new Map<string, KeyInfo>();
    const m = resolve(walk(path, 'value').node);
    if (!isMap(m)) return out;
    for (const [k, pair] of keyIndex(m)) {
      const info = infoOf(pair);
      if (info !== undefined) out.set(k, info);
    }
    return out;
  };

  // Duplicate keys (after the key conversion YAML does: `1` and `"1"` are the same key).
  const findDuplicates = (node: unknown, path: string, seen: Set<unknown>): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      const keys = new Map<string, Node>();
      for (const pair of node.items) {
        const k = keyString(pair.key);
        if (k !== undefined) {
          const first = keys.get(k);
          if (first !== undefined) {
            const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
            const firstPos = posOf(first.range?.[0] ?? 0);
            const childPath = `${path}/${escapePointer(k)}`;
            const isTag = path === '/tags';
            problems.push({
              file,
              path: childPath,
              ...posOf(offset),
              rule: isTag ? 'unique-tags' : 'unique-keys',
              severity: 'error',
              message: isTag
                ? `tag '${k}' is declared twice: expected each tag once, found ` +
                  `a second declaration (the first is on line ${firstPos.line})`
                : `key '${k}' appears twice in ${path === '' ? 'the document' : path}: expected ` +
                  `unique keys, found a second one (the first is on line ${firstPos.line})`,
            });
          } else keys.set(k, pair.key as Node);
        }
        findDuplicates(pair.value, k === undefined ? path : `${path}/${escapePointer(k)}`, seen);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => findDuplicates(item, `${path}/${i}`, seen));
    }
  };
  if (doc.errors.length === 0) findDuplicates(doc.contents, '', new Set());

  const data: unknown = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined;
  return { file, data, problems, position, keyInfo, keyInfos };
}
