// The Odoo API key from SHIFTSTREAM_ODOO__API_KEY_FILE, read again when Odoo refuses the key in
// use: an operator rotates the key by writing the new one to the file (then revoking the old one in
// Odoo), and a running `post` picks it up without a restart.
import { readFile } from 'node:fs/promises';

/** The file's key (trimmed); throws with the file's name when it is unreadable or empty. */
export async function readApiKeyFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const key = text.trim();
  if (key === '') throw new Error(`${path} is empty, expected the API key`);
  return key;
}
