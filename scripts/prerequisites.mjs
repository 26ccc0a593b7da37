#!/usr/bin/env node
// The machine's prerequisites of `npm test`, checked in a few seconds before anything is built:
// every missing one is listed at once with the command that installs it (Debian/Ubuntu, macOS),
// and the exit code is 1. `npm test` runs this first; `node scripts/prerequisites.mjs` alone too.
// Plain Node ESM with built-ins only: it must run on a fresh clone, even on an old Node.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findJava } from './infra/util.mjs';

const MIN_NODE = 20;
const KAFKA_JAVA = 17;
const REGISTRY_JAVA = 21;
/** Where packages put daemons that are often not on a user's PATH (Debian's mosquitto, Homebrew's). */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin', '/sbin'];
const MAC_CHROMIUM = '/Applications/Chromium.app/Contents/MacOS/Chromium';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable named one of `names` on PATH (then in `extraDirs`), or null. */
export function findExecutable(names, { env = process.env, extraDirs = [] } = {}) {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...extraDirs];
  for (const dir of dirs) for (const name of names) if (isExecutable(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * The Chromium the report screenshot test drives: CHROMIUM_PATH when set, else `chromium` or
 * `chromium-browser` on PATH, else (macOS) the app bundle Homebrew's cask installs. Null: none.
 */
export function findChromium({ env = process.env, platform = process.platform } = {}) {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  const onPath = findExecutable(['chromium', 'chromium-browser'], { env });
  if (onPath !== null) return onPath;
  return platform === 'darwin' && isExecutable(MAC_CHROMIUM) ? MAC_CHROMIUM : null;
}

function runQuiet(command, args, env, timeoutMs = 15_000) {
  const r = spawnSync(command, args, { encoding: 'utf8', env, timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

function javaCheck(minVersion, override) {
  try {
    const java = findJava(minVersion, override);
    return { ok: true, found: `java ${java.version} (${java.bin})` };
  } catch (err) {
    return { ok: false, found: err.message.replace(/\. Set JAVA_HOME.*$/, '') };
  }
}

/**
 * A redis-server built with TLS refuses a TLS port without certificates ("Failed to configure
 * TLS"); one built without TLS does not know the tls-* directives at all. Nothing is bound either way.
 */
function redisTlsCheck(bin, env) {
  const r = runQuiet(
    bin,
    [
      '--port',
      '0',
      '--tls-port',
      '1',
      '--tls-cert-file',
      '/nonexistent/shiftstream-check.crt',
      '--tls-key-file',
      '/nonexistent/shiftstream-check.key',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    env,
    5_000,
  );
  return /configure TLS|tls-ca-cert|load certificate/i.test(r.output);
}

/**
 * Every prerequisite, in the order `npm test` meets them. `apt`/`brew` are the packages that
 * provide a missing one; `aptNote`/`brewNote` replace the plain install command when it needs more.
 */
export function checkPrerequisites({ env = process.env, platform = process.platform } = {}) {
  const checks = [];
  const add = (c) => checks.push(c);
  const explicit = (name) => typeof env[name] === 'string' && env[name] !== '';
  const kafkaGiven = explicit('SHIFTSTREAM_KAFKA__BROKERS');
  const registryGiven = explicit('SHIFTSTREAM_REGISTRY__URL');
  const securityNote = 'the security tests start their own secured Kafka broker from the cached Kafka jars';

  const nodeMajor = Number(process.versions.node.split('.')[0]);
  add({
    name: `Node ${MIN_NODE}+`,
    why: 'everything',
    ok: nodeMajor >= MIN_NODE,
    found: `node ${process.versions.node}`,
    aptNote:
      'NodeSource: curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs' +
      " (as root; Debian 12's own nodejs is 18)",
    brew: ['node@20'],
  });

  const java = javaCheck(KAFKA_JAVA, env.SHIFTSTREAM_INFRA_KAFKA_JAVA);
  add({
    name: `Java ${KAFKA_JAVA}+`,
    why: kafkaGiven
      ? `Kafka: SHIFTSTREAM_KAFKA__BROKERS is set, but ${securityNote}`
      : `the Kafka broker of the tests, and ${securityNote}`,
    ...java,
    apt: ['openjdk-17-jdk-headless'],
    brew: ['openjdk@17'],
  });

  if (registryGiven) {
    add({
      name: `JDK ${REGISTRY_JAVA}+`,
      why: 'the schema registry: not needed, SHIFTSTREAM_REGISTRY__URL is set',
      ok: true,
      found: 'skipped',
    });
  } else {
    add({
      name: `JDK ${REGISTRY_JAVA}+`,
      why: 'the schema registry of the tests (Apicurio 3.3, a Quarkus app; e.g. /usr/lib/jvm/temurin-25-jdk-amd64)',
      ...javaCheck(REGISTRY_JAVA, env.SHIFTSTREAM_INFRA_REGISTRY_JAVA),
      aptNote:
        'apt-get install -y openjdk-21-jdk-headless (Ubuntu 24.04, Debian 13), or on Debian 12 ' +
        "Temurin from Adoptium's apt repository (https://adoptium.net/installation/linux): " +
        'apt-get install -y temurin-21-jdk',
      brew: ['openjdk@21'],
    });
  }

  const mvnBin = env.SHIFTSTREAM_INFRA_MVN ?? 'mvn';
  const mvn = runQuiet(mvnBin, ['-v'], env);
  // The banner may carry ANSI colour codes around it, never inside the version text.
  const mvnVersion = /Apache Maven (\d+)\.(\d+)\.(\d+)/.exec(mvn.output);
  const mvnOk = mvnVersion !== null && Number(mvnVersion[1]) * 100 + Number(mvnVersion[2]) >= 306;
  add({
    name: 'Maven 3.6+',
    why: kafkaGiven
      ? `the Kafka jars from Maven Central: SHIFTSTREAM_KAFKA__BROKERS is set, but ${securityNote}`
      : 'the Kafka and registry jars from Maven Central (into .cache/, once)',
    ok: mvn.ok && mvnOk,
    found: mvn.error
      ? `'${mvnBin}' not found`
      : mvnVersion === null
        ? `'${mvnBin} -v' failed`
        : `Maven ${mvnVersion.slice(1).join('.')}`,
    apt: ['maven'],
    brew: ['maven'],
  });

  const redisBin = findExecutable(['redis-server'], { env, extraDirs: SBIN_DIRS });
  const redisTls = redisBin !== null && redisTlsCheck(redisBin, env);
  const redisVersion =
    redisBin === null ? undefined : /v=(\S+)/.exec(runQuiet(redisBin, ['--version'], env).output)?.[1];
  add({
    name: 'redis-server built with TLS',
    why:
      'the security tests (their own password and TLS Redis servers); also a Redis of their own when ' +
      'nothing answers on 127.0.0.1:6379 and SHIFTSTREAM_REDIS__URL is unset',
    ok: redisTls,
    found:
      redisBin === null
        ? 'redis-server not found on PATH'
        : `${redisBin} (${redisVersion ?? 'unknown version'}) ${redisTls ? 'with TLS' : 'WITHOUT TLS'}`,
    apt: ['redis-server'],
    brew: ['redis'],
  });

  const openssl = runQuiet('openssl', ['version'], env);
  add({
    name: 'openssl',
    why: 'the security tests (a throwaway CA and server certificates)',
    ok: openssl.ok,
    found: openssl.ok
      ? openssl.output
          .trim()
          .split('\n')[0]
          .replace(/ \(.*$/, '')
      : 'openssl not found on PATH',
    apt: ['openssl'],
    brew: ['openssl@3'],
  });

  const chromium = findChromium({ env, platform });
  add({
    name: 'Chromium',
    why: 'the report screenshot test (test/integration/report/report-chromium.test.ts)',
    ok: chromium !== null,
    found:
      chromium ??
      (env.CHROMIUM_PATH
        ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable`
        : 'neither chromium nor chromium-browser on PATH, CHROMIUM_PATH unset'),
    apt: ['chromium', 'fonts-liberation', 'fonts-dejavu-core'],
    brewNote: `brew install --cask chromium (then export CHROMIUM_PATH=${MAC_CHROMIUM})`,
  });

  const mosquitto = findExecutable(['mosquitto'], { env, extraDirs: SBIN_DIRS });
  add({
    name: 'Mosquitto',
    why: 'the MQTT ingest tests (an MQTT broker they start)',
    ok: mosquitto !== null,
    found: mosquitto ?? `mosquitto not found on PATH nor in ${SBIN_DIRS.join(', ')}`,
    apt: ['mosquitto'],
    brew: ['mosquitto'],
  });
  return checks;
}

/** The report: a line per prerequisite, then how to install every missing one. */
export function formatReport(checks) {
  const missing = checks.filter((c) => !c.ok);
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) =>
    c.ok
      ? `[prerequisites] ok       ${c.name.padEnd(width)}  ${c.found}`
      : `[prerequisites] MISSING  ${c.name.padEnd(width)}  for ${c.why}; ${c.found}`,
  );
  if (missing.length === 0) return lines.join('\n');
  lines.push(
    `[prerequisites] ${missing.length} of ${checks.length} missing (${missing.map((c) => c.name).join(', ')}); ` +
      'nothing was built or run. Install:',
  );
  const apt = [...new Set(missing.flatMap((c) => c.apt ?? []))];
  const brew = [...new Set(missing.flatMap((c) => c.brew ?? []))];
  // As root (a CI container) there may be no sudo, and none is needed.
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  lines.push('  Debian/Ubuntu:');
  if (apt.length > 0) lines.push(`    ${sudo}apt-get update && ${sudo}apt-get install -y ${apt.join(' ')}`);
  for (const c of missing) if (c.aptNote) lines.push(`    ${c.name}: ${c.aptNote}`);
  lines.push('  macOS (Homebrew):');
  if (brew.length > 0) lines.push(`    brew install ${brew.join(' ')}`);
  for (const c of missing) if (c.brewNote) lines.push(`    ${c.name}: ${c.brewNote}`);
  lines.push('Then run npm test again. The README (Prerequisites) says what each one is for.');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = Date.now();
  const checks = checkPrerequisites();
  const report = formatReport(checks);
  const ok = checks.every((c) => c.ok);
  (ok ? process.stdout : process.stderr).write(`${report}\n[prerequisites] checked in ${Date.now() - t0} ms\n`);
  process.exitCode = ok ? 0 : 1;
}
