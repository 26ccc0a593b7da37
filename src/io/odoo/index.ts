// Odoo adapter: client (JSON-2 / JSON-RPC), master data, productivity records and their writer.
export * from './client.js';
export * from './errors.js';
export * from './retry.js';
export * from './circuit-breaker.js';
export * from './batch-policy.js';
export * from './master-data.js';
export * from './productivity-records.js';
export * from './ledger.js';
export * from './redis-ledger.js';
export * from './productivity-writer.js';
export { createHttpTransport, redactSecret } from './transport.js';
export type { Transport, TransportOptions, HttpAnswer } from './transport.js';
