// No Docker engine and no `docker compose` plugin on our machines: this test checks the
// structure of docker-compose.yml instead (services, healthchecks, dependency order, addresses).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, unknown>;
}

// `merge: true` resolves the `<<:` keys the file uses for shared service settings.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the servers and the three shiftstream services', () => {
    expect(Object.keys(services).sort()).toEqual([
      'kafka',
      'odoo',
      'poster',
      'postgres',
      'processor',
      'redis',
      'registry',
      'simulator',
    ]);
    expect(services.kafka?.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(services.registry?.image).toMatch(/^apicurio\/apicurio-registry:3\./);
    expect(services.registry?.environment?.APICURIO_RULES_GLOBAL_COMPATIBILITY).toBe('BACKWARD');
    expect(services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.processor?.command?.[0]).toBe('run');
    expect(services.poster?.command?.[0]).toBe('post');
    expect(services.simulator?.command?.[0]).toBe('simulate');
    for (const name of ['processor', 'poster', 'simulator']) expect(services[name]?.build, name).toBe('.');
  });

  it('gives every long-running service a healthcheck', () => {
    for (const name of ['kafka', 'registry', 'redis', 'postgres', 'odoo', 'processor', 'poster']) {
      expect(services[name]?.healthcheck?.test, `${name} healthcheck`).toBeDefined();
    }
  });

  it('orders startup with service_healthy conditions on existing services, without cycles', () => {
    const deps = (name: string): string[] => Object.keys(services[name]?.depends_on ?? {});
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        expect(cond.condition, `${name} -> ${dep}`).toBe('service_healthy');
        expect(services[dep]?.healthcheck?.test, `${dep} must have a healthcheck for ${name}`).toBeDefined();
      }
    }
    const visit = (name: string, path: string[]): void => {
      expect(path, `cycle ${[...path, name].join(' -> ')}`).not.toContain(name);
      for (const d of deps(name)) visit(d, [...path, name]);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(deps('processor').sort()).toEqual(['kafka', 'redis', 'registry']);
    expect(deps('poster')).toContain('odoo');
    expect(deps('odoo')).toEqual(['postgres']);
  });

  it('points the shiftstream services at the compose servers with valid config keys', async () => {
    const { loadConfig } = await import('../../../src/config/index.js');
    for (const name of ['processor', 'poster', 'simulator']) {
      const env = Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, String(v)]));
      expect(env.SHIFTSTREAM_KAFKA__BROKERS).toBe('kafka:9092');
      expect(env.SHIFTSTREAM_REGISTRY__URL).toBe('http://registry:8080/apis/ccompat/v7');
      expect(env.SHIFTSTREAM_REDIS__URL).toBe('redis://redis:6379');
      const secretFiles = { '/run/secrets/odoo_api_key': 'key' } as Record<string, string>;
      const config = loadConfig({ env, readFile: (p) => secretFiles[p] ?? readFileSync(p, 'utf8') });
      expect(config.kafka.brokers).toEqual(['kafka:9092']);
    }
    expect(services.poster?.secrets).toEqual(['odoo_api_key']);
    expect(Object.keys(compose.secrets ?? {})).toEqual(['odoo_api_key']);
  });

  it('has a Dockerfile whose entrypoint is the CLI', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/shiftstream.js"]');
    expect(dockerfile).toContain('COPY schemas ./schemas');
    // `npm ci` runs the `prepare` script: it must be in the image before, and stand alone.
    const copied = dockerfile.indexOf('COPY scripts/prepare.mjs');
    expect(copied).toBeGreaterThan(-1);
    expect(copied).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    expect(readFileSync('scripts/prepare.mjs', 'utf8')).not.toMatch(/from '\.\.?\//);
  });

  it('runs shiftstream commands that exist, with a topology, and probes the real health endpoint', async () => {
    const { COMMANDS } = await import('../../../src/cli/commands/index.js');
    const names = new Set(COMMANDS.map((c) => c.name));
    for (const name of ['processor', 'poster', 'simulator']) {
      const command = (services[name] as { command?: string[] } | undefined)?.command ?? [];
      expect(command[0], `${name} command`).toBeDefined();
      // 'post' is being built in parallel; every other command must exist now.
      if (command[0] !== 'post') expect(names.has(command[0]!), `${name}: shiftstream ${command[0]}`).toBe(true);
      expect(command, `${name} names its topology`).toContain('--topology');
      const test = JSON.stringify(services[name]?.healthcheck?.test ?? '');
      if (services[name]?.healthcheck?.disable !== true) expect(test, `${name} healthcheck`).toContain('/healthz');
    }
  });
});
