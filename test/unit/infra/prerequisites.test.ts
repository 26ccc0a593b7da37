// scripts/prerequisites.mjs, the first step of `npm test`: a missing prerequisite is named with
// what needs it and the commands that install it, all at once, and the script exits 1.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrerequisites, findChromium, formatReport } from '../../../scripts/prerequisites.mjs';

const emptyDir = (): string => mkdtempSync(join(tmpdir(), 'prereq-path-'));

describe('prerequisites check', () => {
  it('finds Chromium through CHROMIUM_PATH or PATH, and not elsewhere', () => {
    const dir = emptyDir();
    expect(findChromium({ env: { PATH: dir }, platform: 'linux' })).toBeNull();
    const bin = join(dir, 'chromium');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    expect(findChromium({ env: { PATH: dir }, platform: 'linux' })).toBe(bin);
    expect(findChromium({ env: { PATH: '', CHROMIUM_PATH: bin }, platform: 'linux' })).toBe(bin);
    expect(findChromium({ env: { PATH: dir, CHROMIUM_PATH: join(dir, 'nope') }, platform: 'linux' })).toBeNull();
  });

  it('lists every missing one with what needs it, then one install command per platform', () => {
    const checks = checkPrerequisites({ env: { PATH: emptyDir() }, platform: 'linux' });
    expect(checks.map((c) => c.name)).toEqual([
      'Node 20+',
      'Java 17+',
      'JDK 21+',
      'Maven 3.6+',
      'redis-server built with TLS',
      'openssl',
      'Chromium',
      'Mosquitto',
    ]);
    const chromium = checks.find((c) => c.name === 'Chromium')!;
    expect(chromium.ok).toBe(false);
    expect(chromium.found).toBe('neither chromium nor chromium-browser on PATH, CHROMIUM_PATH unset');
    const report = formatReport(checks);
    expect(report).toMatch(/MISSING {2}Chromium +for the report screenshot test/);
    expect(report).toMatch(/MISSING {2}openssl +for the security tests/);
    expect(report).toMatch(
      /(sudo )?apt-get update && (sudo )?apt-get install -y .*chromium fonts-liberation fonts-dejavu-core/,
    );
    expect(report).toContain('brew install --cask chromium');
    expect(report).toMatch(/missing \(.*Chromium.*\); nothing was built or run/);
  });

  it('does not ask for the registry JDK when the registry address is given, and says why Java stays', () => {
    const env = {
      PATH: emptyDir(),
      SHIFTSTREAM_KAFKA__BROKERS: 'k:9092',
      SHIFTSTREAM_REGISTRY__URL: 'http://r:8081',
      SHIFTSTREAM_REDIS__URL: 'redis://r:6379',
    };
    const checks = checkPrerequisites({ env, platform: 'linux' });
    const jdk = checks.find((c) => c.name === 'JDK 21+')!;
    expect(jdk.ok).toBe(true);
    expect(jdk.why).toContain('not needed, SHIFTSTREAM_REGISTRY__URL is set');
    const java = checks.find((c) => c.name === 'Java 17+')!;
    expect(java.why).toContain('the security tests start their own secured Kafka broker');
  });

  it('as a script: exits 1 within seconds and names Chromium and its package when PATH hides it', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['scripts/prerequisites.mjs'], {
      encoding: 'utf8',
      env: { PATH: emptyDir(), HOME: tmpdir() },
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MISSING {2}Chromium/);
    expect(r.stderr).toContain('apt-get install -y');
    expect(r.stderr).toContain('chromium fonts-liberation');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
