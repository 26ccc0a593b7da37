// Machine facts every benchmark result carries, and result writing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export function machineInfo() {
  // `java -version` writes to stderr; first line, e.g. openjdk version "17.0.15" 2025-04-15.
  const j = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const java = j.error ? null : `${j.stderr}${j.stdout}`.split('\n')[0].trim() || null;
  return {
    node: process.version,
    java,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    at: new Date().toISOString(),
  };
}

export function writeResult(name, result) {
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  const file = new URL(`../results/${name}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify({ bench: name, machine: machineInfo(), ...result }, null, 2)}\n`);
  return file.pathname;
}

export function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}
