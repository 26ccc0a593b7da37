// What a module of the stand-in (stock, mrp, maintenance, quality...) adds to a model, the way an
// Odoo addon overrides create/write/unlink, declares computed fields and constraints. The store
// runs every module's hooks for a model in registration order.
import type { Edition, Version } from './schema.js';
import type { Row, Store } from './store.js';

export interface Env {
  readonly store: Store;
  /** The call's context exactly as the client sent it (Odoo's call_kw replaces the context). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly uid: number;
  readonly companyId: number;
  readonly version: Version;
  readonly edition: Edition;
  /**
   * True for calls that came over RPC. Direct `store` calls from tests are fixture writes: a
   * many2one to a product that does not exist creates a placeholder product instead of failing.
   */
  readonly rpc: boolean;
}

export function withContext(env: Env, extra: Readonly<Record<string, unknown>>): Env {
  return { ...env, context: { ...env.context, ...extra } };
}

export interface ComputeDef {
  readonly field: string;
  /** Fields of the same record whose write triggers a recompute. */
  readonly depends: readonly string[];
  compute(env: Env, row: Row): unknown;
}

export interface ModelHooks {
  /** Rewrites vals before the ORM sees them (a create() override: sequences, forced values). */
  beforeCreate?(env: Env, vals: Row): void;
  /** Defaults that need the database (first team, default stage, picking type...). */
  readonly defaults?: Readonly<Record<string, (env: Env, vals: Row) => unknown>>;
  /** After the record exists; `inverses` holds the values given for computed fields with an inverse. */
  afterCreate?(env: Env, id: number, inverses: Row): void;
  beforeWrite?(env: Env, ids: readonly number[], vals: Row): void;
  afterWrite?(env: Env, ids: readonly number[], vals: Row, inverses: Row): void;
  beforeUnlink?(env: Env, ids: readonly number[]): void;
  /** Stored computed fields, in dependency order. */
  readonly computes?: readonly ComputeDef[];
  /** Non-stored computed fields (reads and domains). */
  readonly reads?: Readonly<Record<string, (env: Env, row: Row) => unknown>>;
  /** Python constraints, run on the records a create/write touched. */
  constrain?(env: Env, ids: readonly number[], fields: ReadonlySet<string>): void;
  /** Creates the record `id` for a fixture write that referenced it (see Env.rpc). */
  placeholder?(env: Env, id: number): void;
}

export type HookRegistry = Readonly<Record<string, readonly ModelHooks[]>>;

/** Merges modules' hooks by model, keeping module order. */
export function mergeHooks(...modules: readonly Readonly<Record<string, ModelHooks>>[]): HookRegistry {
  const out: Record<string, ModelHooks[]> = {};
  for (const mod of modules) for (const [model, h] of Object.entries(mod)) (out[model] ??= []).push(h);
  return out;
}
