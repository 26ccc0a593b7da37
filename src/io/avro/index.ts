export * from './wire-format.js';
export * from './registry-client.js';
export * from './serde.js';
export * from './schema-files.js';
export * from './register.js';
