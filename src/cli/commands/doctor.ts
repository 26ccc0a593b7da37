// `shiftstream doctor`: checks the configured servers and prints one report.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig, splitConfigArgs } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { defaultTopics } from '../../topology/model.js';
import { ODOO_COMMANDS, type OdooCommand } from '../../io/odoo/access-rights.js';
import {
  probeKafka,
  probeOdoo,
  probeOdooAccess,
  probeRedis,
  probeRegistry,
  type NeededTopic,
  type ProbeLine,
} from '../../io/probes/index.js';
import { EXIT_CODES, type CommandDef } from '../command.js';

const HELP = `Usage: shiftstream doctor [--topology <file>]... [--odoo-for <commands>] [config flags]

Checks the configured servers and prints one report:
  kafka     reachable, broker version (Kafka 4.x), the topics the topologies need
  registry  reachable, compatibility level, subjects
  redis     reachable, version
  odoo      when configured: server version, authentication, and every access right the Odoo
            commands need: Odoo is asked for each model and operation (has_access on 18+,
            check_access_rights on 17), one line per missing right with the group that grants it
Exits 1 when any check fails; each failure says what was expected and what was found.

Options:
  --topology <file>     a topology whose topics must exist (repeatable; default: run.topologies)
  --odoo-for <list>     the commands whose Odoo rights to check, comma-separated, of
                        ${Object.keys(ODOO_COMMANDS).join(', ')} (default: all)
  --config <file>       a YAML or JSON configuration file
  --<section>.<key>     any configuration key, e.g. --kafka.brokers=host:9092

Examples:
  shiftstream doctor
  shiftstream doctor --topology topologies/plant-a.yaml
  shiftstream doctor --odoo-for post,reconcile
  SHIFTSTREAM_KAFKA__BROKERS=kafka:9092 shiftstream doctor
`;

/**
 * The topics a topology file needs: `topics:` overrides on top of the defaults named after
 * `plant.id` (defaultTopics from src/topology). Deliberately minimal (the full loader and lint
 * live in src/topology): doctor reports topics even for a topology that fails lint.
 */
export function readTopologyTopics(file: string, text: string): NeededTopic[] {
  const doc = parseYaml(text) as { plant?: { id?: unknown }; topics?: unknown } | null;
  const plantId = doc?.plant?.id;
  if (typeof plantId !== 'string' || plantId.length === 0) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${file} /plant/id: expected the plant id, found ${JSON.stringify(plantId)}`,
    );
  }
  const overrides = doc?.topics ?? {};
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${file} /topics: expected a mapping of topic roles to names, found ${JSON.stringify(overrides)}`,
    );
  }
  const topics: Record<string, unknown> = { ...defaultTopics(plantId), ...(overrides as Record<string, unknown>) };
  return Object.entries(topics)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length > 0)
    .map(([role, topic]) => ({ topic, neededBy: `${file} topics.${role}` }));
}

function parseOdooFor(value: string | undefined): OdooCommand[] {
  const known = Object.keys(ODOO_COMMANDS) as OdooCommand[];
  const list = (value ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const unknown = list.filter((c) => !known.includes(c as OdooCommand));
  if (list.length === 0 || unknown.length > 0)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `doctor --odoo-for: expected a comma-separated list of ${known.join(', ')}, found '${value ?? ''}'`,
    );
  return list as OdooCommand[];
}

function parseArgs(argv: readonly string[]): { files: string[]; odooFor: OdooCommand[] } {
  const files: string[] = [];
  let odooFor = Object.keys(ODOO_COMMANDS) as OdooCommand[];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--odoo-for') odooFor = parseOdooFor(argv[++i]);
    else if (arg.startsWith('--odoo-for=')) odooFor = parseOdooFor(arg.slice('--odoo-for='.length));
    else if (arg === '--topology') {
      const next = argv[++i];
      if (next === undefined)
        throw new UsageError('SHIFTSTREAM_USAGE', 'doctor --topology: expected a file, found nothing');
      files.push(next);
    } else if (arg.startsWith('--topology=')) files.push(arg.slice('--topology='.length));
    else
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `doctor: expected --topology <file>, --odoo-for <commands> or config flags, found '${arg}'`,
      );
  }
  return { files, odooFor };
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

export const doctorCommand: CommandDef = {
  name: 'doctor',
  summary: 'Check Kafka, the schema registry, Redis and Odoo; exit 1 on any problem',
  help: HELP,
  async run(ctx) {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    const { files: topologyFiles, odooFor } = parseArgs(rest);
    const config = loadConfig({ env: ctx.env, argv: configArgs });
    const files = topologyFiles.length > 0 ? topologyFiles : [...config.run.topologies];

    const lines: ProbeLine[] = [];
    const needed: NeededTopic[] = [];
    for (const file of files) {
      try {
        const found = readTopologyTopics(file, readFileSync(resolve(ctx.cwd, file), 'utf8'));
        needed.push(...found);
        lines.push({ server: 'topology', status: 'ok', message: `${file}: ${found.length} topic(s)` });
      } catch (err) {
        lines.push({
          server: 'topology',
          status: 'fail',
          message:
            `${file}: expected a readable topology with a topics ` +
            `section, found: ${(err as Error).message.split('\n')[0]}`,
        });
      }
    }
    const unique = [...new Map(needed.map((n) => [n.topic, n])).values()];
    const results = await Promise.all([
      probeKafka(config, unique),
      probeRegistry(
        config.registry,
        unique.map((n) => n.topic),
      ),
      probeRedis(config, config.kafka.connectionTimeoutMs),
      probeOdoo(config.odoo).then(async (odoo) =>
        // The rights only once the server answered and took the key.
        config.odoo !== undefined && odoo.every((l) => l.status === 'ok')
          ? [...odoo, ...(await probeOdooAccess(config.odoo, odooFor))]
          : odoo,
      ),
    ]);
    lines.push(...results.flat());

    const out = ['shiftstream doctor', ...lines.map((l) => `  ${MARK[l.status]}  ${l.server.padEnd(8)}  ${l.message}`)];
    const failures = lines.filter((l) => l.status === 'fail').length;
    const warnings = lines.filter((l) => l.status === 'warn').length;
    out.push(
      failures === 0
        ? `doctor: all checks passed${warnings > 0 ? ` (${warnings} warning(s))` : ''}`
        : `doctor: ${failures} check(s) failed`,
    );
    ctx.stdout.write(`${out.join('\n')}\n`);
    return failures === 0 ? EXIT_CODES.ok : EXIT_CODES.checkFailed;
  },
};
