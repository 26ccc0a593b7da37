// `shiftstream post`: consumes a posting kind's topic and posts to Odoo (kinds: cli/posting-kinds.ts).
import { parseDuration } from '../../config/index.js';
import { createPostingConsumer } from '../../engine/posting-consumer.js';
import { isRetryable, UsageError } from '../../errors.js';
import { createReadiness, startHttpServer } from '../../http/index.js';
import { createPromMetrics } from '../../metrics/index.js';
import { odooTopicsOf } from '../../topology/odoo-topics.js';
import { EXIT_CODES, type CommandDef } from '../command.js';
import type { EventSourceOptions } from '../../io/kafka/factory.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import { flagHelp, type PostingKind } from '../posting-kind.js';
import { DEFAULT_KIND, POSTING_KINDS, postingKind, schemaTopicsOf } from '../posting-kinds.js';
import {
  aborted,
  durationFlag,
  intFlag,
  loadCommandInputs,
  parseCommandFlags,
  type FlagValues,
  type Options,
} from '../service-command.js';
import { armStopDeadline } from '../stop-deadline.js';

const COMMON: Options = {
  kind: { type: 'string' },
  milestones: { type: 'boolean' },
  group: { type: 'string' },
  'flush-interval': { type: 'string' },
  'recovery-max': { type: 'string' },
  'breaker-threshold': { type: 'string' },
  'breaker-open': { type: 'string' },
  'dlq-topic': { type: 'string' },
  'audit-topic': { type: 'string' },
  'session-timeout': { type: 'string' },
};

/** Every kind's flags are parsed (so that a misplaced one is named, not "unknown"). */
function kindOptions(kinds: readonly PostingKind[]): Options {
  const out: Options = {};
  for (const k of kinds) for (const [name, spec] of Object.entries(k.flags)) out[name] = { type: spec.type };
  return out;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

export function postHelp(kinds: readonly PostingKind[]): string {
  const width = Math.max(...kinds.map((k) => k.name.length));
  const kindLines = kinds.flatMap((k) => [
    `  ${k.name.padEnd(width)}  ${k.name === DEFAULT_KIND ? '(default) ' : ''}${k.summary}`,
    indent(k.help, '    '),
    '',
  ]);
  const kindFlags = kinds
    .flatMap((k) =>
      Object.keys(k.flags).length === 0 ? [] : [`Options of --kind ${k.name}:`, ...flagHelp(k.flags), ''],
    )
    .map((l) => `${l}\n`)
    .join('');
  return `Usage: shiftstream post --topology <file> [--kind <name>] [options] [config flags]

Posts to Odoo from Kafka until stopped (SIGINT/SIGTERM: flushes, commits, exits 130). What is
posted is a posting kind; each consumes its own topic and commits offsets only past items Odoo
confirmed (or refused for good).

Kinds (--kind <name>):
${kindLines.join('\n')}
Permanent refusals (validation, access, missing records) go to the dead-letter topic
(shiftstream.<plant>.odoo-dlq) with Odoo's error; replay them with 'shiftstream dlq replay'. Every
attempt goes to the audit topic (shiftstream.<plant>.odoo-audit). While Odoo is down (circuit
breaker open, retries exhausted) consumption pauses and resumes by itself: nothing is skipped.

Options:
  --topology <file>        the plant's topology                                        required
  --kind <name>            what to post: ${kinds.map((k) => k.name).join(', ')} (default ${DEFAULT_KIND})
  --milestones             alias of --kind milestones
  --group <id>             consumer group   default shiftstream.<plant>.odoo-poster (shifts),
                           shiftstream.<plant>.odoo-poster-<kind> (the others)
  --flush-interval <dur>   how often the period trigger is checked                  default 500ms
  --recovery-max <dur>     longest pause between re-post rounds while Odoo is down   default 30s
  --breaker-threshold <n>  consecutive failures that open the circuit breaker          default 5
  --breaker-open <dur>     how long the breaker stays open before a probe              default 5s
  --dlq-topic <name>       default shiftstream.<plant>.odoo-dlq (created when missing)
  --audit-topic <name>     default shiftstream.<plant>.odoo-audit (created when missing)
  --session-timeout <dur>  consumer session timeout, e.g. 6s                         default 10s
                           how soon the partitions of a poster that died (kill -9) move to
                           another or to its restart (the broker's minimum is
                           group.min.session.timeout.ms, 6s by default)
  --<section>.<key>        any configuration key, e.g. --odoo.url=https://odoo.example.com

${kindFlags}Odoo, Kafka, registry and Redis come from the configuration (SHIFTSTREAM_ODOO__URL, __DB,
__LOGIN, __API_KEY, SHIFTSTREAM_KAFKA__BROKERS, ...). The topology's work-center codes and losses
must exist in Odoo: start-up fails (exit 3) listing every missing one.

Examples:
  shiftstream post --topology topologies/stamping-berlin.yaml
  shiftstream post --topology topologies/stamping-berlin.yaml --batch-count 200 --batch-period 10s
  shiftstream post --topology topologies/packaging-chicago.yaml --kind milestones

Exit codes: 130 stopped by a signal, 3 configuration or master data, 4 a server failed, 2 bad flags.
`;
}

/** The kind asked for (`--milestones` is an alias); a flag of another kind is a usage error. */
export function chosenKind(values: FlagValues, kinds: readonly PostingKind[] = POSTING_KINDS): PostingKind {
  const named = typeof values['kind'] === 'string' ? values['kind'] : undefined;
  if (values['milestones'] === true && named !== undefined && named !== 'milestones')
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `post: --milestones is an alias of --kind milestones, found it with --kind ${named}`,
    );
  const kind = postingKind('post', values['milestones'] === true ? 'milestones' : (named ?? DEFAULT_KIND), kinds);
  for (const other of kinds)
    for (const name of Object.keys(other.flags))
      if (values[name] !== undefined && !(name in kind.flags))
        throw new UsageError(
          'SHIFTSTREAM_USAGE',
          `post --${name}: expected an option of --kind ${kind.name}, found one of --kind ${other.name}. ` +
            `See 'shiftstream post --help'.`,
        );
  return kind;
}

/** `--session-timeout <dur>`: the consumer's session timeout in ms; undefined = the adapter's 10 s. */
export function sessionTimeoutFlag(command: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms < 1)
    throw new UsageError(
      'SHIFTSTREAM_USAGE',
      `${command} --session-timeout: expected a duration like 6s or 10000ms, found ${JSON.stringify(value)}`,
    );
  return ms;
}

/** What `post` asks of the Kafka consumer: its group, its topics and, when given, the session timeout. */
export function postSourceOptions(
  groupId: string,
  topics: readonly string[],
  sessionTimeoutMs: number | undefined,
): EventSourceOptions {
  return { groupId, topics, ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }) };
}

export const postCommand: CommandDef = {
  name: 'post',
  summary: 'Post to Odoo from Kafka (--kind shifts, milestones, ...), idempotently, with DLQ and audit',
  help: postHelp(POSTING_KINDS),
  async run(ctx) {
    const parsed = parseCommandFlags('post', ctx.argv, { ...COMMON, ...kindOptions(POSTING_KINDS) });
    const kind = chosenKind(parsed.values);
    const createPoster = kind.configure('post', parsed.values);
    const sessionTimeoutMs = sessionTimeoutFlag('post', parsed.values['session-timeout']);
    const { config, plan, values, logger } = loadCommandInputs('post', parsed, ctx.env, ctx.cwd);
    const flushIntervalMs = durationFlag('post', 'flush-interval', values['flush-interval'], 500);
    const recoveryMaxMs = durationFlag('post', 'recovery-max', values['recovery-max'], 30_000);
    const topics = odooTopicsOf(plan, {
      deadLetters: values['dlq-topic'] as string | undefined,
      audit: values['audit-topic'] as string | undefined,
    });
    const inputs = kind.inputs(plan);
    const groupId = typeof values['group'] === 'string' ? values['group'] : kind.group(plan.plant.plantId);
    const log = logger.child({ component: `${kind.service}-poster`, groupId });

    // /metrics, /healthz and /readyz, like `run` (http.port; 0 = any free port).
    const metrics = createPromMetrics({ defaultLabels: { plantId: plan.plant.plantId } });
    const readiness = createReadiness(['odoo', 'kafka', 'consumer']);
    const http = await startHttpServer({
      port: config.http.port,
      metrics,
      health: { readiness: readiness.probe },
      onError: (err, path) => log.error({ err, path }, 'http handler failed'),
    });
    log.info({ port: http.port }, 'metrics and health endpoints up');
    const breakerValue = { closed: 0, 'half-open': 1, open: 2 } as Record<string, number>;
    const runtime = createOdooRuntime(config, plan, 'post', {
      breakerThreshold: intFlag('post', 'breaker-threshold', values['breaker-threshold'], 5),
      breakerOpenMs: durationFlag('post', 'breaker-open', values['breaker-open'], 5_000),
      onBreaker: (from, to) => {
        log.warn({ from, to }, 'odoo circuit breaker');
        metrics.set('shiftstream_odoo_breaker_state', {}, breakerValue[to] ?? 0);
        if (to === 'open') readiness.notReady('odoo', 'circuit breaker open: Odoo is failing');
        else readiness.ready('odoo');
      },
    });
    let statsTimer: NodeJS.Timeout | undefined;
    const deadline = armStopDeadline(ctx.signal, config.run.shutdownTimeoutMs, () => {
      log.error(
        { shutdownTimeoutMs: config.run.shutdownTimeoutMs },
        'graceful stop did not finish within run.shutdownTimeoutMs: exiting ' +
          'now; what Odoo did not confirm is posted again on restart (idempotent)',
      );
      logger.flush();
      process.exit(EXIT_CODES.infrastructure);
    });
    try {
      // Master data first: a topology naming something Odoo lacks fails here, with every problem.
      try {
        await runtime.targets();
        readiness.ready('odoo');
      } catch (err) {
        if (!isRetryable(err)) throw err;
        readiness.notReady('odoo', `unreachable at start: ${(err as Error).message}`);
        log.warn({ err }, 'odoo unreachable at start; posting waits for it');
      }
      const kafka = await createKafkaParts(config, plan.plant.plantId, schemaTopicsOf(plan, [kind]), log);
      // The input topics too: the poster may start before `run` created them (same compaction as run).
      await kafka.ensureTopics([
        { topic: topics.deadLetters },
        { topic: topics.audit },
        ...[...inputs, ...kind.outputs(plan)].map((i) => ({
          topic: i.topic,
          ...(i.compacted === true ? { compacted: true } : {}),
        })),
      ]);
      readiness.ready('kafka');
      const sink = kafka.sink();
      const poster = createPoster({ plan, odoo: runtime, codecs: kafka.codecs });
      const consumer = createPostingConsumer({
        source: kafka.source(
          postSourceOptions(
            groupId,
            inputs.map((i) => i.topic),
            sessionTimeoutMs,
          ),
        ),
        sink,
        poster,
        deadLetterTopic: topics.deadLetters,
        auditTopic: topics.audit,
        nowMs: Date.now,
        log,
        flushIntervalMs,
        recovery: {
          initialMs: Math.min(500, recoveryMaxMs),
          maxMs: recoveryMaxMs,
          multiplier: 2,
          maxAttempts: Number.MAX_SAFE_INTEGER,
        },
        plantId: plan.plant.plantId,
      });
      log.info(
        {
          kind: kind.name,
          topics: inputs.map((i) => i.topic),
          deadLetters: topics.deadLetters,
          audit: topics.audit,
        },
        'posting to odoo',
      );
      let stopped = false;
      void aborted(ctx.signal).then(() => {
        stopped = true;
        log.info({}, 'stopping: flushing and committing');
        return consumer.stop();
      });
      // Odoo outcomes as counters (deltas of the consumer's running totals).
      const last = { confirmed: 0, deadLettered: 0 };
      statsTimer = setInterval(() => {
        const s = consumer.stats;
        if (s.confirmed > last.confirmed)
          metrics.inc('shiftstream_odoo_records_total', { outcome: 'posted' }, s.confirmed - last.confirmed);
        if (s.deadLettered > last.deadLettered)
          metrics.inc('shiftstream_odoo_records_total', { outcome: 'failed' }, s.deadLettered - last.deadLettered);
        last.confirmed = s.confirmed;
        last.deadLettered = s.deadLettered;
      }, 1_000);
      statsTimer.unref();
      readiness.ready('consumer');
      try {
        await consumer.run();
      } finally {
        await sink.close();
      }
      const s = consumer.stats;
      ctx.stdout.write(
        `post: ${s.received} received, ${s.confirmed} confirmed, ${s.deadLettered} dead-lettered, ` +
          `${s.recoveryRounds} recovery rounds, ${consumer.unconfirmed()} ` +
          `left unconfirmed (re-delivered on restart)\n`,
      );
      return stopped ? EXIT_CODES.interrupted : EXIT_CODES.ok;
    } finally {
      if (statsTimer !== undefined) clearInterval(statsTimer);
      await runtime.close();
      await http.close();
      deadline.cancel();
    }
  },
};
