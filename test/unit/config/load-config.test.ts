import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  CONFIG_KEYS,
  envName,
  loadConfig,
  parseDuration,
  redactConfig,
  REDACTED,
  splitConfigArgs,
} from '../../../src/config/index.js';

const files =
  (map: Record<string, string>) =>
  (path: string): string => {
    const text = map[path];
    if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`);
    return text;
  };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).details.problems as string[];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives defaults with no input, frozen', () => {
    const c = loadConfig({ env: {} });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.kafka.client).toBe('kafkajs');
    expect(c.registry.url).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(c.redis.keyPrefix).toBe('shiftstream:');
    expect(c.run.checkpointIntervalMs).toBe(5000);
    expect(c.odoo).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.kafka.brokers)).toBe(true);
    expect(() => {
      (c.kafka as { clientId: string }).clientId = 'x';
    }).toThrow(TypeError);
  });

  it('applies defaults < file < env < flags', () => {
    const readFile = files({
      'c.yaml':
        'kafka:\n  clientId: from-file\n  brokers: [f:1]\nlog:\n  level: warn\nrun:\n  checkpointIntervalMs: 10s\n',
    });
    const c = loadConfig({
      file: 'c.yaml',
      readFile,
      env: { SHIFTSTREAM_KAFKA__BROKERS: 'a:9092, b:9092', SHIFTSTREAM_LOG__LEVEL: 'debug' },
      argv: ['--log.level=error', '--run.checkpointIntervalMs', '2m'],
    });
    expect(c.kafka.clientId).toBe('from-file');
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(c.log.level).toBe('error');
    expect(c.run.checkpointIntervalMs).toBe(120_000);
  });

  it('reads JSON files and a --config flag that overrides the file option', () => {
    const readFile = files({ 'a.json': '{"http":{"port":1}}', 'b.json': '{"http":{"port":2}}' });
    expect(loadConfig({ file: 'a.json', readFile }).http.port).toBe(1);
    expect(loadConfig({ file: 'a.json', readFile, argv: ['--config', 'b.json'] }).http.port).toBe(2);
  });

  it('lists every problem at once, each with its source, expected and found', () => {
    const readFile = files({
      'c.yaml': 'kafka:\n  brokerz: [x]\n  client: librdkafka\nodoo:\n  apiKey: secret-in-file\nfoo: 1\n',
    });
    const problems = problemsOf(() =>
      loadConfig({
        file: 'c.yaml',
        readFile,
        env: {
          SHIFTSTREAM_RUN__CHECKPOINT_INTERVAL_MS: 'soon',
          SHIFTSTREAM_KAFKA__NOPE: '1',
          SHIFTSTREAM_USE_TESTCONTAINERS: '1',
        },
        argv: ['--http.port=99999', '--log.colour=red'],
      }),
    );
    expect(problems).toEqual([
      'c.yaml kafka.brokerz: expected a known key, found an unknown one',
      'c.yaml kafka.client: expected one of kafkajs, rdkafka, found "librdkafka"',
      'c.yaml odoo.apiKey: secrets come from the environment (SHIFTSTREAM_ODOO__API_KEY ' +
        'or SHIFTSTREAM_ODOO__API_KEY_FILE) or a flag, not from the config file',
      'c.yaml foo: expected a known key, found an unknown one',
      'env SHIFTSTREAM_RUN__CHECKPOINT_INTERVAL_MS: expected a ' +
        "duration like 1500, '1500ms', '30s', '5m' or '2h', found \"soon\"",
      'env SHIFTSTREAM_KAFKA__NOPE: expected a configuration ' +
        'variable (SHIFTSTREAM_<SECTION>__<KEY>), found an unknown one',
      'flag --http.port: expected a port number 0..65535, found "99999"',
      'flag --log.colour: expected a configuration key (--<section>.<key>), found an unknown one',
    ]);
  });

  it('reads secrets from env and from *_FILE files', () => {
    const c = loadConfig({
      env: {
        SHIFTSTREAM_ODOO__URL: 'http://odoo:8069',
        SHIFTSTREAM_ODOO__DB: 'prod',
        SHIFTSTREAM_ODOO__LOGIN: 'bot',
        SHIFTSTREAM_ODOO__API_KEY_FILE: '/run/secrets/odoo',
        SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'scram-sha-512',
        SHIFTSTREAM_KAFKA__SASL__USERNAME: 'svc',
        SHIFTSTREAM_KAFKA__SASL__PASSWORD: 'pw',
      },
      readFile: files({ '/run/secrets/odoo': 'k3y\n' }),
    });
    expect(c.odoo).toEqual({
      url: 'http://odoo:8069',
      db: 'prod',
      login: 'bot',
      apiKey: 'k3y',
      // Kept so the Odoo client can read a rotated key there (docs/odoo.md, API key rotation).
      apiKeyFile: '/run/secrets/odoo',
      protocol: 'auto',
      timeoutMs: 30_000,
    });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'pw' });
    // A flag given after the file wins, and then there is no file to read again.
    const flagged = loadConfig({
      env: {
        SHIFTSTREAM_ODOO__URL: 'http://odoo:8069',
        SHIFTSTREAM_ODOO__DB: 'prod',
        SHIFTSTREAM_ODOO__LOGIN: 'bot',
        SHIFTSTREAM_ODOO__API_KEY_FILE: '/run/secrets/odoo',
      },
      argv: ['--odoo.apiKey=flag-key'],
      readFile: files({ '/run/secrets/odoo': 'k3y\n' }),
    });
    expect(flagged.odoo?.apiKey).toBe('flag-key');
    expect(flagged.odoo?.apiKeyFile).toBeUndefined();
  });

  it('refuses _FILE on a non-secret and an unreadable secret file', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { SHIFTSTREAM_LOG__LEVEL_FILE: '/x', SHIFTSTREAM_REDIS__PASSWORD_FILE: '/missing' },
        readFile: files({}),
      }),
    );
    expect(problems).toEqual([
      'env SHIFTSTREAM_LOG__LEVEL_FILE: expected _FILE only for secrets, found it on log.level',
      "env SHIFTSTREAM_REDIS__PASSWORD_FILE: expected a readable secret file, found ENOENT: no such file '/missing'",
    ]);
  });

  it('checks keys against each other', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          SHIFTSTREAM_KAFKA__SASL__MECHANISM: 'plain',
          SHIFTSTREAM_ODOO__URL: 'ftp://odoo',
          SHIFTSTREAM_ODOO__DB: 'x',
          SHIFTSTREAM_KAFKA__BROKERS: 'nohost',
          SHIFTSTREAM_REDIS__URL: 'http://r',
        },
      }),
    );
    expect(problems).toEqual([
      'kafka.brokers: expected host:port, found "nohost"',
      'redis.url: expected a URL starting with redis:// or rediss://, found "http://r"',
      'kafka.sasl: expected username and password with mechanism plain, found no username and no password',
      'odoo.url: expected a URL starting with http:// or https://, found "ftp://odoo"',
      'odoo: expected odoo.login, odoo.apiKey with odoo.url, found them unset',
    ]);
    expect(problemsOf(() => loadConfig({ env: { SHIFTSTREAM_ODOO__DB: 'x' } }))).toEqual([
      'odoo.url: expected it set when odoo.db, odoo.login or odoo.apiKey are, found none',
    ]);
  });

  it('parses booleans, lists and durations from strings', () => {
    const c = loadConfig({
      env: {
        SHIFTSTREAM_KAFKA__SSL: 'true',
        SHIFTSTREAM_RUN__TOPOLOGIES: 'a.yaml,,b.yaml',
        SHIFTSTREAM_ODOO__TIMEOUT_MS: '1500',
      },
    });
    expect(c.kafka.ssl).toBe(true);
    expect(c.run.topologies).toEqual(['a.yaml', 'b.yaml']);
  });
});

describe('parseDuration', () => {
  it('turns units into integer milliseconds', () => {
    expect([
      parseDuration('1500'),
      parseDuration('1500ms'),
      parseDuration('30s'),
      parseDuration('5m'),
      parseDuration('2h'),
      parseDuration('1d'),
      parseDuration('0.5s'),
    ]).toEqual([1500, 1500, 30_000, 300_000, 7_200_000, 86_400_000, 500]);
    expect([parseDuration('5 minutes'), parseDuration('-1s'), parseDuration('0.0001s'), parseDuration(1.5)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('redactConfig', () => {
  it('hides secrets and URL passwords, keeps the rest', () => {
    const c = loadConfig({
      env: {
        SHIFTSTREAM_REDIS__URL: 'redis://user:hunter2@r:6379',
        SHIFTSTREAM_REDIS__PASSWORD: 'hunter2',
        SHIFTSTREAM_ODOO__URL: 'http://o',
        SHIFTSTREAM_ODOO__DB: 'd',
        SHIFTSTREAM_ODOO__LOGIN: 'l',
        SHIFTSTREAM_ODOO__API_KEY: 'k3y',
      },
    });
    const r = redactConfig(c);
    expect(r.redis.password).toBe(REDACTED);
    expect(r.odoo?.apiKey).toBe(REDACTED);
    expect(r.redis.url).toBe('redis://user:%5Bredacted%5D@r:6379');
    expect(r.odoo?.login).toBe('l');
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(JSON.stringify(r)).not.toContain('k3y');
  });
});

describe('config keys', () => {
  it('maps keys to env names', () => {
    expect(envName('kafka.sasl.password')).toBe('SHIFTSTREAM_KAFKA__SASL__PASSWORD');
    expect(envName('run.checkpointIntervalMs')).toBe('SHIFTSTREAM_RUN__CHECKPOINT_INTERVAL_MS');
    expect(Object.values(CONFIG_KEYS).every((s) => s.doc.length > 0)).toBe(true);
  });

  it('splits config flags from command flags', () => {
    expect(splitConfigArgs(['--topology', 't.yaml', '--kafka.brokers', 'a:1', '--config=c.yaml', '--json'])).toEqual({
      config: ['--kafka.brokers', 'a:1', '--config=c.yaml'],
      rest: ['--topology', 't.yaml', '--json'],
    });
  });
});
