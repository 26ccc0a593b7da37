// Reads a PEM CA file named by a configuration key (kafka.sslCaPath, redis.tlsCaPath) when a client
// is built. loadConfig already checked that it was readable PEM; it may have gone since.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export function readCaFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'SHIFTSTREAM_CONFIG_INVALID',
      `${key}: expected a readable PEM CA file, found ${(err as Error).message}`,
      { cause: err },
    );
  }
}
