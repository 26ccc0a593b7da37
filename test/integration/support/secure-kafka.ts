// One secured Apache Kafka broker per test file: the real broker from the same cached jars as the
// shared infra broker (scripts/infra/kafka.mjs), on free ports, never touching 127.0.0.1:9092.
//   SASL_SSL   PLAIN (users in the listener's JAAS), SCRAM-SHA-256 and SCRAM-SHA-512 (users
//              written into the metadata log when the storage is formatted)
//   SSL        TLS only, server certificate signed by a throwaway test CA (secure-tls.ts)
//   PLAINTEXT  broker-internal listener (readiness probe); CONTROLLER for KRaft
// Call stop() in afterAll: it also runs at process exit, so a crashed test leaves no JVM behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from '../../../scripts/infra/kafka.mjs';
import { stopPid } from '../../../scripts/infra/util.mjs';
import { freePort } from '../../support/free-port.js';
import { createTestTls, type TestTls } from './secure-tls.js';

export interface SaslUser {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface SecureKafka {
  /** host:port of the SASL_SSL listener. */
  readonly saslSslAddress: string;
  /** host:port of the SSL (TLS only, no SASL) listener. */
  readonly sslAddress: string;
  /** host:port of the internal PLAINTEXT listener (for the test's own checks only). */
  readonly plaintextAddress: string;
  readonly logPath: string;
  readonly tls: TestTls;
  /** One user per mechanism, each with its own random password. */
  readonly users: { readonly plain: SaslUser; readonly scram256: SaslUser; readonly scram512: SaslUser };
  stop(): Promise<void>;
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

const secret = (): string => randomBytes(12).toString('hex');

/** Starts the broker (a minute at most on a loaded 2-core machine); rejects naming its log. */
export async function startSecureKafka({ timeoutMs = 150_000 }: { timeoutMs?: number } = {}): Promise<SecureKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'shiftstream-secure-kafka-'));
  const tls = createTestTls(dir);
  const [port, controllerPort, saslSslPort, sslPort] = (await distinctFreePorts(4)) as [number, number, number, number];
  const users = {
    plain: { mechanism: 'plain', username: 'plain-user', password: secret() },
    scram256: { mechanism: 'scram-sha-256', username: 'scram256-user', password: secret() },
    scram512: { mechanism: 'scram-sha-512', username: 'scram512-user', password: secret() },
  } as const;
  const scramModule = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const started = await startKafka({
    label: 'secure-kafka',
    dir: join(dir, 'broker'),
    port,
    controllerPort,
    timeoutMs,
    heap: ['-Xms128m', '-Xmx512m'],
    classDataArchive: false,
    listeners: [
      { name: 'SASL_SSL', port: saslSslPort, protocol: 'SASL_SSL' },
      { name: 'SSL', port: sslPort, protocol: 'SSL' },
    ],
    properties: {
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': tls.keystorePath,
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        `org.apache.kafka.common.security.plain.PlainLoginModule ` +
        `required user_${users.plain.username}="${users.plain.password}";`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scramModule,
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scramModule,
    },
    scramUsers: [
      { mechanism: 'SCRAM-SHA-256', name: users.scram256.username, password: users.scram256.password },
      { mechanism: 'SCRAM-SHA-512', name: users.scram512.username, password: users.scram512.password },
    ],
  });
  const kill = (): void => {
    try {
      process.kill(-started.pid, 'SIGKILL');
    } catch {
      /* already stopped */
    }
  };
  process.once('exit', kill);
  let stopped = false;
  return {
    saslSslAddress: `127.0.0.1:${saslSslPort}`,
    sslAddress: `127.0.0.1:${sslPort}`,
    plaintextAddress: started.address,
    logPath: started.logPath,
    tls,
    users,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopPid(started.pid, 20_000);
      process.removeListener('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
