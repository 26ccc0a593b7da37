// Throwaway TLS material for the secured-server tests, made with the openssl CLI at test time:
// a test CA, a server certificate it signed (SAN IP:127.0.0.1 and DNS:localhost, so clients can
// verify the host name), and a second, unrelated CA for the "wrong CA" cases. Nothing is checked
// in; each test file gets fresh keys that expire after two days.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestTls {
  readonly dir: string;
  /** PEM certificate of the CA that signed the server certificate. */
  readonly caPath: string;
  /** PEM certificate of a CA that signed nothing the servers use. */
  readonly otherCaPath: string;
  readonly serverCertPath: string;
  /** Unencrypted PKCS#8 PEM key of the server certificate. */
  readonly serverKeyPath: string;
  /** Server key followed by its certificate and the CA: a Kafka PEM keystore (ssl.keystore.type=PEM). */
  readonly keystorePath: string;
  /** The server key text, to check that it never shows up in a log. */
  readonly serverKeyPem: string;
}

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error !== undefined)
    throw new Error(
      `openssl ${args[0]}: expected the openssl CLI on the PATH ` +
        `(it makes the test certificates), found: ${r.error.message}`,
    );
  if (r.status !== 0)
    throw new Error(`openssl ${args.join(' ')} (in ${dir}): expected exit 0, found ${String(r.status)}:\n${r.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** Writes a CA, a server certificate for 127.0.0.1/localhost and an unrelated CA into `dir`. */
export function createTestTls(dir: string): TestTls {
  selfSignedCa(dir, 'ca', 'shiftstream test CA');
  selfSignedCa(dir, 'other-ca', 'unrelated test CA');
  openssl(dir, ['req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    join(dir, 'server-ext.cnf'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    'server-ext.cnf',
    '-out',
    'server.pem',
  ]);
  const serverKeyPem = readFileSync(join(dir, 'server.key'), 'utf8');
  const keystorePath = join(dir, 'server-keystore.pem');
  writeFileSync(
    keystorePath,
    serverKeyPem + readFileSync(join(dir, 'server.pem'), 'utf8') + readFileSync(join(dir, 'ca.pem'), 'utf8'),
  );
  return {
    dir,
    caPath: join(dir, 'ca.pem'),
    otherCaPath: join(dir, 'other-ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    keystorePath,
    serverKeyPem,
  };
}

/** The base64 body of a PEM key, without the armour lines: what a leak would contain. */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('-----'))
    .join('');
}
