// Access rights in the stand-in, answered like Odoo's ir.model.access: every right is granted
// unless a test denies it. `check_access_rights` (17; deprecated since 18) and `has_access` (18+,
// on an empty recordset: the model-level right) report a right; the ORM methods raise Odoo's
// AccessError on a denied one.
import { StandinOdooError } from './store.js';

export const ACCESS_OPERATIONS = ['read', 'write', 'create', 'unlink'] as const;
export type AccessOperation = (typeof ACCESS_OPERATIONS)[number];

/** The right each served method needs (message_post: mail.thread's default `_mail_post_access`). */
export const OPERATION_OF_METHOD: Readonly<Record<string, AccessOperation>> = {
  create: 'create',
  write: 'write',
  unlink: 'unlink',
  read: 'read',
  search: 'read',
  search_read: 'read',
  search_count: 'read',
  read_group: 'read',
  formatted_read_group: 'read',
  message_post: 'write',
};

// Odoo's wording per operation in "You are not allowed to <verb> ... records."
const VERB: Readonly<Record<AccessOperation, string>> = {
  read: 'access',
  write: 'modify',
  create: 'create',
  unlink: 'delete',
};

export class AccessRights {
  private readonly denied = new Set<string>();

  deny(model: string, operation: AccessOperation): void {
    this.denied.add(`${model}:${operation}`);
  }

  /** Grants every right again. */
  reset(): void {
    this.denied.clear();
  }

  /** Odoo's check; an operation outside the four fails its assertion like Odoo's ir.model.access. */
  allows(model: string, operation: unknown): boolean {
    if (!ACCESS_OPERATIONS.includes(operation as AccessOperation))
      throw new StandinOdooError('builtins.AssertionError', 'Invalid access mode', 500);
    return !this.denied.has(`${model}:${String(operation)}`);
  }

  check(model: string, operation: AccessOperation): void {
    if (this.allows(model, operation)) return;
    throw new StandinOdooError(
      'odoo.exceptions.AccessError',
      `You are not allowed to ${VERB[operation]} '${model}' (${model}) records.\n\n` +
        'No group currently allows this operation.\n\nContact your administrator to request access if necessary.',
      403,
    );
  }
}
