// `shiftstream schemas register`: registers the shipped Avro schemas under a topology's topic
// subjects (TopicNameStrategy), which `run` also does at start. The registry enforces BACKWARD
// compatibility: an incompatible change is refused with the registry's reason.
import { parseArgs } from 'node:util';
import { loadConfig, splitConfigArgs } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { topologySchemaTopics } from '../../io/avro/codecs.js';
import { createRegistryClient } from '../../io/avro/registry-client.js';
import { loadSchema, valueSubject, type SchemaName } from '../../io/avro/schema-files.js';
import { loadTopology } from '../../topology/index.js';
import { EXIT_CODES, type CommandContext, type CommandDef } from '../command.js';

const HELP =
  `Usage: shiftstream schemas register --topology <file>... [--dry-run] [config flags]

Registers the Avro schemas of schemas/ under the subjects of each topology's topics
(<topic>-value): raw samples, canonical and enriched machine events, milestones, window and shift
summaries, rejected and late records. Prints one line per subject with the id the registry
assigned. The registry's compatibility rule (BACKWARD) decides whether a changed schema is accepted.

Options:
  --topology <file>   a plant topology (repeatable)
  --dry-run           print the subjects and schema files, register nothing

Examples:
  shiftstream schemas register --topology topologies/stamping-berlin.yaml
  SHIFTSTREAM_REGISTRY__URL=http://registry:8081/apis/ccompat/v7 ` +
  `shiftstream schemas register --topology topologies/packaging-chicago.yaml
`;

export const schemasCommand: CommandDef = {
  name: 'schemas',
  summary: "register the Avro schemas under a topology's topic subjects",
  help: HELP,
  async run(ctx: CommandContext): Promise<number> {
    const { config: configArgs, rest } = splitConfigArgs(ctx.argv);
    const [action, ...flags] = rest;
    if (action !== 'register')
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `schemas: expected the action 'register', found ` +
          `${action === undefined ? 'none' : `'${action}'`}. See 'shiftstream schemas --help'.`,
      );
    let values;
    try {
      values = parseArgs({
        args: flags,
        options: { topology: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      throw new UsageError('SHIFTSTREAM_USAGE', `schemas register: ${(err as Error).message}`, { cause: err });
    }
    const files = values.topology ?? [];
    if (files.length === 0)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        'schemas register: expected at least one --topology <file>, found none',
      );
    const config = loadConfig({ env: ctx.env, argv: configArgs });
    const registry = createRegistryClient({
      url: config.registry.url,
      timeoutMs: config.registry.timeoutMs,
      ...(config.registry.username === undefined
        ? {}
        : { username: config.registry.username, password: config.registry.password ?? '' }),
    });
    for (const file of files) {
      const topology = loadTopology(file);
      for (const [name, topics] of Object.entries(topologySchemaTopics(topology.topics)) as [SchemaName, string[]][]) {
        const schema = loadSchema(name);
        for (const topic of topics) {
          const subject = valueSubject(topic);
          if (values['dry-run'] === true) {
            ctx.stdout.write(`${subject.padEnd(56)} ${schema.file}\n`);
            continue;
          }
          const id = await registry.register(subject, schema.text);
          ctx.stdout.write(`${subject.padEnd(56)} id ${id}  (${name})\n`);
        }
      }
    }
    return EXIT_CODES.ok;
  },
};
