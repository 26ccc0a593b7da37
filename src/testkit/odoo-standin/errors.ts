// Odoo exceptions as the stand-in raises them: the Python class name that Odoo puts in
// `data.name` (JSON-RPC) or `name` (JSON-2), the message, and the JSON-2 HTTP status
// (`http_status` of odoo/exceptions.py: UserError/ValidationError 422, AccessError 403,
// MissingError 404; werkzeug errors keep their code; anything else 500).

export class StandinOdooError extends Error {
  constructor(
    readonly odooName: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const validationError = (m: string): StandinOdooError =>
  new StandinOdooError('odoo.exceptions.ValidationError', m, 422);
export const userError = (m: string): StandinOdooError => new StandinOdooError('odoo.exceptions.UserError', m, 422);
export const valueError = (m: string): StandinOdooError => new StandinOdooError('builtins.ValueError', m, 422);
export const missingError = (m: string): StandinOdooError =>
  new StandinOdooError('odoo.exceptions.MissingError', m, 404);
export const accessError = (m: string): StandinOdooError => new StandinOdooError('odoo.exceptions.AccessError', m, 403);

/** Odoo's NOT NULL message (IntegrityError turned into a ValidationError by odoo/service/model.py). */
export const notNullError = (model: string, field: string): StandinOdooError =>
  validationError(
    `The operation cannot be completed:\n- Create/update: a mandatory field ` +
      `is not set.\n- Delete: another model requires the record being deleted. ` +
      `If possible, archive it instead.\n\nModel: ${model}, Field: ${field}`,
  );
