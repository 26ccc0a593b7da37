// `shiftstream reconcile`: compare what Odoo holds with what the posting kinds' topics say it should.
import { formatDifferences } from '../../engine/reconcile.js';
import { UsageError } from '../../errors.js';
import { EXIT_CODES, type CommandDef } from '../command.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import { flagHelp, type PostingKind } from '../posting-kind.js';
import { POSTING_KINDS, postingKind, schemaTopicsOf } from '../posting-kinds.js';
import { durationFlag, loadCommandInputs, parseCommandFlags, timeFlag, type Options } from '../service-command.js';

function reconciling(
  kinds: readonly PostingKind[],
): (PostingKind & { reconcile: NonNullable<PostingKind['reconcile']> })[] {
  return kinds.flatMap((k) => (k.reconcile === undefined ? [] : [{ ...k, reconcile: k.reconcile }]));
}

export function reconcileHelp(kinds: readonly PostingKind[]): string {
  const rk = reconciling(kinds);
  const names = rk.map((k) => k.name).join(', ');
  return `Usage: shiftstream reconcile --topology <file> --from <time> --to <time> [options] [config flags]

Compares, per posting kind that can be reconciled (${names}), what Odoo holds with what the kind's
topic says it should hold, and prints every difference. Exits 1 on any difference.

${rk.map((k) => k.reconcile.help).join('\n\n')}

Options:
  --topology <file>    the plant's topology                                           required
  --from <time>        ISO 8601 (2026-03-02, 2026-03-02T06:00:00Z) or epoch ms          required
  --to <time>          exclusive end, same forms                                         required
  --kind <name>        only this posting kind (${names}); default: every one
  --json               print the differences as JSON instead of a table
  --timeout <dur>      deadline for reading the topic to its end                   default 2m
${rk
  .flatMap((k) =>
    Object.keys(k.reconcile.flags).length === 0
      ? []
      : ['', `Options of --kind ${k.name}:`, ...flagHelp(k.reconcile.flags, 19)],
  )
  .join('\n')}

Examples:
  shiftstream reconcile --topology topologies/stamping-berlin.yaml --from 2026-03-02 --to 2026-03-09
  shiftstream reconcile --topology topologies/packaging-chicago.yaml \\
    --from 2026-03-07T12:00:00Z --to 2026-03-08T12:00:00Z --check-duration

Exit codes: 0 no difference, 1 differences found, 2 bad flags, 3 configuration, 4 a server failed.
`;
}

const COMMON: Options = {
  from: { type: 'string' },
  to: { type: 'string' },
  kind: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
};

export const reconcileCommand: CommandDef = {
  name: 'reconcile',
  summary: 'Compare what Odoo holds with what the posting kinds posted from Kafka; exit 1 on differences',
  help: reconcileHelp(POSTING_KINDS),
  async run(ctx) {
    const all = reconciling(POSTING_KINDS);
    const options: Options = { ...COMMON };
    for (const k of all)
      for (const [name, spec] of Object.entries(k.reconcile.flags)) options[name] = { type: spec.type };
    const parsed = parseCommandFlags('reconcile', ctx.argv, options);
    const named = parsed.values['kind'];
    const pick = typeof named === 'string' ? postingKind('reconcile', named, all).name : undefined;
    const kinds = all.filter((k) => pick === undefined || k.name === pick);
    for (const other of all)
      for (const name of Object.keys(other.reconcile.flags))
        if (parsed.values[name] !== undefined && !kinds.some((k) => name in k.reconcile.flags))
          throw new UsageError(
            'SHIFTSTREAM_USAGE',
            `reconcile --${name}: expected an option of --kind ${pick ?? ''}, found one of --kind ${other.name}`,
          );
    const runs = kinds.map((k) => ({ kind: k, run: k.reconcile.configure('reconcile', parsed.values) }));
    const { config, plan, values, logger } = loadCommandInputs('reconcile', parsed, ctx.env, ctx.cwd);
    const fromMs = timeFlag('reconcile', 'from', values['from']);
    const toMs = timeFlag('reconcile', 'to', values['to']);
    if (toMs <= fromMs)
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `reconcile: --to (${new Date(toMs).toISOString()}) must be after --from (${new Date(fromMs).toISOString()})`,
      );
    const timeoutMs = durationFlag('reconcile', 'timeout', values['timeout'], 120_000);
    const runtime = createOdooRuntime(config, plan, 'reconcile');
    try {
      const kafka = await createKafkaParts(config, plan.plant.plantId, schemaTopicsOf(plan, kinds), logger);
      let differences = 0;
      for (const { kind, run } of runs) {
        const r = await run({
          runtime: { plan, odoo: runtime, codecs: kafka.codecs },
          kafka,
          fromMs,
          toMs,
          timeoutMs,
          logger,
        });
        differences += r.differences.length;
        if (values['json'] === true) {
          ctx.stdout.write(`${JSON.stringify(r.json)}\n`);
          continue;
        }
        if (r.differences.length > 0) ctx.stdout.write(`${formatDifferences(r.differences)}\n`);
        ctx.stdout.write(
          `reconcile ${plan.plant.plantId}${runs.length > 1 ? ` ${kind.name}` : ''} ` +
            `${new Date(fromMs).toISOString()} .. ${new Date(toMs).toISOString()}: ${r.summary}\n`,
        );
      }
      return differences > 0 ? EXIT_CODES.checkFailed : EXIT_CODES.ok;
    } finally {
      await runtime.close();
    }
  },
};
