// One declaration per posting kind (the Benthos habit): its name, docs, input topics, flags with
// defaults and validation, the dead-letter service it writes and the factory of its poster, plus
// optionally how `reconcile` checks it. Kinds live in cli/kinds/ and are listed once, in
// cli/posting-kinds.ts; `post --kind`, `post --help`, `dlq replay` and `reconcile` read that list.
// How to add one: docs/odoo.md, "Adding a posting kind".
import type { ReconcileRow } from '../engine/reconcile.js';
import { UsageError } from '../errors.js';
import type { SchemaName } from '../io/avro/schema-files.js';
import type { Logger } from '../logging/index.js';
import type { Codecs } from '../ports/codecs.js';
import type { PostingService } from '../ports/dead-letters.js';
import type { ItemPoster } from '../ports/posting.js';
import type { TopologyPlan } from '../topology/types.js';
import type { KafkaParts, OdooRuntime } from './odoo-wiring.js';
import { durationFlag, intFlag, type FlagValues } from './service-command.js';

/** A flag of a kind (or of a kind's reconcile): parsed with node:util, then validated here. */
export interface FlagSpec<V> {
  readonly type: 'string' | 'boolean';
  /** What follows the flag in --help, e.g. `<n>` (empty for a boolean). */
  readonly placeholder: string;
  /** For --help, with the default (several lines: separated by \n, indented by flagHelp). */
  readonly help: string;
  /** The value, or its default when absent; throws a UsageError naming the command and flag. */
  parse(command: string, name: string, raw: string | boolean | undefined): V;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec<unknown>>>;
export type ParsedFlags<F extends FlagSpecs> = { readonly [K in keyof F]: ReturnType<F[K]['parse']> };

/** Flag constructors: the validation of each type lives once. */
export const flag = {
  int(placeholder: string, help: string, fallback: number): FlagSpec<number> {
    return { type: 'string', placeholder, help, parse: (c, n, raw) => intFlag(c, n, raw, fallback) };
  },
  duration(placeholder: string, help: string, fallbackMs: number): FlagSpec<number> {
    return { type: 'string', placeholder, help, parse: (c, n, raw) => durationFlag(c, n, raw, fallbackMs) };
  },
  boolean(help: string): FlagSpec<boolean> {
    return { type: 'boolean', placeholder: '', help, parse: (_c, _n, raw) => raw === true };
  },
  oneOf<const C extends readonly [string, ...string[]]>(
    placeholder: string,
    help: string,
    choices: C,
    fallback: C[number],
  ): FlagSpec<C[number]> {
    return {
      type: 'string',
      placeholder,
      help,
      parse(command, name, raw) {
        if (raw === undefined) return fallback;
        const found = choices.find((c) => c === raw);
        if (found === undefined)
          throw new UsageError(
            'SHIFTSTREAM_USAGE',
            `${command} --${name}: expected ${choices.join(' or ')}, found ${JSON.stringify(raw)}`,
          );
        return found;
      },
    };
  },
} as const;

export function parseFlags<F extends FlagSpecs>(command: string, specs: F, values: FlagValues): ParsedFlags<F> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.parse(command, name, values[name]);
  return out as ParsedFlags<F>;
}

/** `--name <x>   help` lines, aligned like the commands' hand-written option lists (help may span lines). */
export function flagHelp(specs: FlagSpecs, width = 23): string[] {
  return Object.entries(specs).map(([name, s]) => {
    const left = `--${name}${s.placeholder === '' ? '' : ` ${s.placeholder}`}`;
    return `  ${left.padEnd(width)}  ${s.help.split('\n').join(`\n${' '.repeat(width + 4)}`)}`;
  });
}

/** A topic a kind consumes, and the Avro schema of its values. */
export interface InputTopic {
  readonly topic: string;
  readonly schema: SchemaName;
  /** Created compacted when missing (as `run` creates it). */
  readonly compacted?: boolean;
}

/** A topic a kind writes (besides its dead letters and audit). */
export interface OutputTopic {
  readonly topic: string;
  readonly compacted?: boolean;
}

/** What a kind's factory may use: the plant, the Odoo runtime and the registry codecs. */
export interface PostingRuntime {
  readonly plan: TopologyPlan;
  readonly odoo: OdooRuntime;
  readonly codecs: Codecs;
}

export interface ReconcileContext {
  readonly runtime: PostingRuntime;
  readonly kafka: KafkaParts;
  /** The range asked for, [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Deadline for reading a topic to its end. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export interface Reconciliation {
  /** One row each, printed as a table (engine/reconcile.ts formatDifferences). */
  readonly differences: readonly ReconcileRow[];
  /** What `reconcile --json` prints for the kind (one line). */
  readonly json: unknown;
  /** After the range in the closing line, e.g. `3 shift(s), 40 expected record(s), 40 in Odoo, 0 difference(s)`. */
  readonly summary: string;
}

export interface KindReconcile<RF extends FlagSpecs> {
  /** A paragraph for `reconcile --help`: what is compared and which differences are reported. */
  readonly help: string;
  readonly flags: RF;
  run(ctx: ReconcileContext, flags: ParsedFlags<RF>): Promise<Reconciliation>;
}

export interface PostingKindSpec<T extends object, F extends FlagSpecs, RF extends FlagSpecs> {
  /** `post --kind <name>`: lowercase, plural (`shifts`, `milestones`, `orders`). */
  readonly name: string;
  /** One line for `post --help`. */
  readonly summary: string;
  /** A paragraph for `post --help`: what is posted, to which Odoo models, how. */
  readonly help: string;
  /** The topics it consumes (from the topology). */
  inputs(plan: TopologyPlan): readonly InputTopic[];
  /** Topics its poster's `outputs` write besides the dead letters and audit (created when missing). */
  outputs?(plan: TopologyPlan): readonly OutputTopic[];
  readonly flags: F;
  /** `service` of its dead letters and audit records: the kind's name for new kinds. */
  readonly service: PostingService;
  /** Default consumer group; default `shiftstream.<plantId>.odoo-poster-<name>`. */
  group?(plantId: string): string;
  /** Its poster. Also used by `dlq replay` (with the flags' defaults) to re-post its dead letters. */
  create(runtime: PostingRuntime, flags: ParsedFlags<F>): ItemPoster<T>;
  readonly reconcile?: KindReconcile<RF>;
}

/** A registered kind, types erased: what the commands use. */
export interface PostingKind {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly service: PostingService;
  readonly flags: FlagSpecs;
  inputs(plan: TopologyPlan): readonly InputTopic[];
  outputs(plan: TopologyPlan): readonly OutputTopic[];
  group(plantId: string): string;
  /** Validates the kind's flags (defaults for absent ones), before anything connects: its poster's factory. */
  configure(command: string, values: FlagValues): (runtime: PostingRuntime) => ItemPoster<object>;
  readonly reconcile?: {
    readonly help: string;
    readonly flags: FlagSpecs;
    /** Validates the reconcile flags of the kind: the reconciliation to run. */
    configure(command: string, values: FlagValues): (ctx: ReconcileContext) => Promise<Reconciliation>;
  };
}

/** Erases a kind's types for the registry; create and reconcile get their flags parsed and typed. */
export function definePostingKind<T extends object, F extends FlagSpecs, RF extends FlagSpecs = Record<never, never>>(
  spec: PostingKindSpec<T, F, RF>,
): PostingKind {
  const r = spec.reconcile;
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    service: spec.service,
    flags: spec.flags,
    inputs: (plan) => spec.inputs(plan),
    outputs: (plan) => spec.outputs?.(plan) ?? [],
    group: (plantId) => spec.group?.(plantId) ?? `shiftstream.${plantId}.odoo-poster-${spec.name}`,
    configure(command, values) {
      const flags = parseFlags(command, spec.flags, values);
      return (runtime) => spec.create(runtime, flags);
    },
    ...(r === undefined
      ? {}
      : {
          reconcile: {
            help: r.help,
            flags: r.flags,
            configure(command, values) {
              const flags = parseFlags(command, r.flags, values);
              return (ctx) => r.run(ctx, flags);
            },
          },
        }),
  };
}
