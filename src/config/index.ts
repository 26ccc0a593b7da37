export { loadConfig, splitConfigArgs, type LoadConfigOptions } from './load-config.js';
export { redactConfig, REDACTED } from './redact.js';
export { parseDuration } from './durations.js';
export { CONFIG_KEYS, envName, type ConfigKey } from './schema.js';
export type { Config, SaslMechanism } from './types.js';
export { readCaFile } from './ca-file.js';
