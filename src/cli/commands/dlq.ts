// `shiftstream dlq replay`: re-post dead-lettered Odoo items once the cause is fixed.
import { loadReplayCursor, replayDeadLetters, saveReplayCursor } from '../../engine/dlq-replay.js';
import { UsageError } from '../../errors.js';
import type { SourceRecord } from '../../ports/event-source.js';
import type { ItemPoster } from '../../ports/posting.js';
import { odooTopicsOf } from '../../topology/odoo-topics.js';
import { EXIT_CODES, type CommandDef } from '../command.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import type { PostingRuntime } from '../posting-kind.js';
import { POSTING_KINDS, schemaTopicsOf } from '../posting-kinds.js';
import { durationFlag, startCommand } from '../service-command.js';

const HELP = `Usage: shiftstream dlq replay --topology <file> [--dry-run] [options] [config flags]

Re-posts the items 'shiftstream post' dead-lettered (Odoo refused them: a validation error, a
missing work order, access rights) once the cause is fixed in Odoo or in the topology. Reads the
dead-letter topic from where the last replay stopped (a cursor in Redis) to its current end:
  - each letter goes back to the poster of its posting kind, found by the letter's service
    (${POSTING_KINDS.map((k) => `${k.service}: --kind ${k.name}`).join(', ')}), with the kind's default options;
  - shift summaries are posted again through the idempotent writer (keys already in Odoo are not
    created again; an item whose shift has a newer revision in Odoo is reported superseded);
  - each success is audited 'replayed' on the audit topic, with the Odoo ids;
  - an item Odoo still refuses is dead-lettered again (attempts + 1) for the next replay.
The cursor moves only when the whole run succeeded. If Odoo is unavailable, nothing moves (exit 4).

Options:
  --topology <file>     the plant's topology                                          required
  --dry-run             list the dead letters and their errors; post nothing, keep the cursor
  --from-beginning      ignore the cursor and replay the whole topic (safe: posting is idempotent)
  --dlq-topic <name>    default shiftstream.<plant>.odoo-dlq
  --audit-topic <name>  default shiftstream.<plant>.odoo-audit
  --timeout <dur>       deadline for reading the topic to its end                  default 2m

Examples:
  shiftstream dlq replay --topology topologies/stamping-berlin.yaml --dry-run
  shiftstream dlq replay --topology topologies/stamping-berlin.yaml

Exit codes: 0 everything replayed (or nothing to replay), 1 some items are still refused or
unreadable, 2 bad flags, 3 configuration, 4 Odoo, Kafka or Redis unavailable.
`;

export const dlqCommand: CommandDef = {
  name: 'dlq',
  summary: "Dead letters of the Odoo posters: 'dlq replay' re-posts them once the cause is fixed",
  help: HELP,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub !== 'replay')
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `dlq: expected the subcommand 'replay', found ` +
          `${sub === undefined ? 'none' : `'${sub}'`}. See 'shiftstream dlq --help'.`,
      );
    const { config, plan, values, logger } = startCommand('dlq replay', rest, ctx.env, ctx.cwd, {
      'dry-run': { type: 'boolean' },
      'from-beginning': { type: 'boolean' },
      'dlq-topic': { type: 'string' },
      'audit-topic': { type: 'string' },
      timeout: { type: 'string' },
    });
    const dryRun = values['dry-run'] === true;
    const topics = odooTopicsOf(plan, {
      deadLetters: values['dlq-topic'] as string | undefined,
      audit: values['audit-topic'] as string | undefined,
    });
    const timeoutMs = durationFlag('dlq replay', 'timeout', values['timeout'], 120_000);
    // Every kind with its default options (as `post --kind <name>` without options).
    const factories = POSTING_KINDS.map((k) => [k.service, k.configure('dlq replay', {})] as const);
    const runtime = createOdooRuntime(config, plan, 'dlq replay');
    try {
      const kafka = await createKafkaParts(config, plan.plant.plantId, schemaTopicsOf(plan), logger);
      const from =
        values['from-beginning'] === true
          ? new Map<number, string>()
          : await loadReplayCursor(runtime.kv, topics.deadLetters);
      const records: SourceRecord[] = [];
      const ends = await kafka.readAll({
        topic: topics.deadLetters,
        purpose: 'dlq-replay',
        from,
        timeoutMs,
        onRecords: async (rs) => void records.push(...rs),
      });
      if (records.length === 0) {
        ctx.stdout.write(`dlq replay: nothing to replay in ${topics.deadLetters}\n`);
        return EXIT_CODES.ok;
      }
      const sink = kafka.sink();
      let lines;
      try {
        const postingRuntime: PostingRuntime = { plan, odoo: runtime, codecs: kafka.codecs };
        lines = await replayDeadLetters({
          records,
          posters: new Map<string, () => ItemPoster<object>>(
            factories.map(([service, create]) => [service, () => create(postingRuntime)]),
          ),
          sink,
          deadLetterTopic: topics.deadLetters,
          auditTopic: topics.audit,
          dryRun,
          nowMs: Date.now,
        });
      } finally {
        await sink.close();
      }
      for (const l of lines) {
        const who =
          l.letter === null
            ? '?'
            : `${l.letter.service} ${l.letter.workCenterId} ${l.letter.subject} (attempts ${l.letter.attempts})`;
        ctx.stdout.write(
          `${l.verdict.padEnd(13)} ${l.partition}@${l.offset}  ${who}  ` +
            `${l.detail}${l.odooIds.length > 0 ? `  odoo ids ${l.odooIds.join(',')}` : ''}\n`,
        );
      }
      const count = (v: string): number => lines.filter((l) => l.verdict === v).length;
      if (!dryRun) await saveReplayCursor(runtime.kv, topics.deadLetters, ends);
      ctx.stdout.write(
        dryRun
          ? `dlq replay (dry run): ${count('would-replay')} would be ` +
              `replayed, ${count('unreplayable')} unreplayable; nothing posted\n`
          : `dlq replay: ${count('replayed')} replayed, ${count('still-failing')} still ` +
              `refused (dead-lettered again), ${count('unreplayable')} unreplayable\n`,
      );
      return count('still-failing') + count('unreplayable') > 0 ? EXIT_CODES.checkFailed : EXIT_CODES.ok;
    } finally {
      await runtime.close();
    }
  },
};
