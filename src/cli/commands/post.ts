// `shiftstream post`: the Odoo posters (shift summaries, or milestones with --milestones).
import { isRetryable } from '../../errors.js';
import { createReadiness, startHttpServer } from '../../http/index.js';
import { createPromMetrics } from '../../metrics/index.js';
import { createMilestoneItemPoster, milestoneLedgerOn } from '../../io/odoo/milestone-poster.js';
import { aborted, durationFlag, intFlag, startCommand } from '../service-command.js';
import { createPostingConsumer, type ItemPoster } from '../../engine/posting-consumer.js';
import { createShiftItemPoster } from '../../io/odoo/shift-poster.js';
import { odooTopicsOf } from '../../topology/odoo-topics.js';
import { createKafkaParts, createOdooRuntime } from '../odoo-wiring.js';
import { UsageError } from '../../errors.js';
import { EXIT_CODES, type CommandDef } from '../command.js';
import { armStopDeadline } from '../stop-deadline.js';

const HELP = `Usage: shiftstream post --topology <file> [--milestones] [options] [config flags]

Posts to Odoo from Kafka until stopped (SIGINT/SIGTERM: flushes, commits, exits 130).

Shift mode (default): consumes the topology's shift-summary topic (WindowSummary Avro), posts each
final shift summary as mrp.workcenter.productivity records (one create call per batch, idempotent
through a Redis ledger and a marker in each record's description; a later revision replaces the
earlier one) and commits offsets only past summaries Odoo confirmed.

Milestone mode (--milestones): consumes the milestones topic and posts each milestone at once:
machine_down opens a productivity record (no date_end), machine_up closes it, quantity_completed
writes the work order, scrap_recorded creates a draft stock.scrap, inspection_failed posts a
quality alert (Enterprise) or a chatter note on the production order.

Permanent refusals (validation, access, missing records) go to the dead-letter topic
(shiftstream.<plant>.odoo-dlq) with Odoo's error; replay them with 'shiftstream dlq replay'. Every
attempt goes to the audit topic (shiftstream.<plant>.odoo-audit). While Odoo is down (circuit
breaker open, retries exhausted) consumption pauses and resumes by itself: nothing is skipped.

Options:
  --topology <file>        the plant's topology                                        required
  --milestones             post milestones instead of shift summaries
  --group <id>             consumer group      default shiftstream.<plant>.odoo-poster[-milestones]
  --batch-count <n>        records per create call (count trigger)                  default 500
  --batch-period <dur>     post a partial batch after this long                      default 5s
  --flush-interval <dur>   how often the period trigger is checked                  default 500ms
  --recovery-max <dur>     longest pause between re-post rounds while Odoo is down   default 30s
  --breaker-threshold <n>  consecutive failures that open the circuit breaker          default 5
  --breaker-open <dur>     how long the breaker stays open before a probe              default 5s
  --quantity-field <f>     mrp.workorder field for quantity_completed: qty_produced (default)
                           or qty_producing
  --dlq-topic <name>       default shiftstream.<plant>.odoo-dlq (created when missing)
  --audit-topic <name>     default shiftstream.<plant>.odoo-audit (created when missing)
  --<section>.<key>        any configuration key, e.g. --odoo.url=https://odoo.example.com

Odoo, Kafka, registry and Redis come from the configuration (SHIFTSTREAM_ODOO__URL, __DB, __LOGIN,
__API_KEY, SHIFTSTREAM_KAFKA__BROKERS, ...). The topology's work-center codes and losses must exist
in Odoo: start-up fails (exit 3) listing every missing one.

Examples:
  shiftstream post --topology topologies/stamping-berlin.yaml
  shiftstream post --topology topologies/stamping-berlin.yaml --batch-count 200 --batch-period 10s
  shiftstream post --topology topologies/packaging-chicago.yaml --milestones

Exit codes: 130 stopped by a signal, 3 configuration or master data, 4 a server failed, 2 bad flags.
`;

export const postCommand: CommandDef = {
  name: 'post',
  summary: 'Post shift summaries (or milestones) from Kafka to Odoo, idempotently, with DLQ and audit',
  help: HELP,
  async run(ctx) {
    const { config, plan, values, logger } = startCommand('post', ctx.argv, ctx.env, ctx.cwd, {
      milestones: { type: 'boolean' },
      group: { type: 'string' },
      'batch-count': { type: 'string' },
      'batch-period': { type: 'string' },
      'flush-interval': { type: 'string' },
      'recovery-max': { type: 'string' },
      'breaker-threshold': { type: 'string' },
      'breaker-open': { type: 'string' },
      'quantity-field': { type: 'string' },
      'dlq-topic': { type: 'string' },
      'audit-topic': { type: 'string' },
    });
    const milestones = values['milestones'] === true;
    const count = intFlag('post', 'batch-count', values['batch-count'], 500);
    const periodMs = durationFlag('post', 'batch-period', values['batch-period'], 5_000);
    const flushIntervalMs = durationFlag('post', 'flush-interval', values['flush-interval'], 500);
    const recoveryMaxMs = durationFlag('post', 'recovery-max', values['recovery-max'], 30_000);
    const qf = values['quantity-field'] ?? 'qty_produced';
    if (qf !== 'qty_produced' && qf !== 'qty_producing')
      throw new UsageError(
        'SHIFTSTREAM_USAGE',
        `post --quantity-field: expected qty_produced or qty_producing, found ${JSON.stringify(qf)}`,
      );
    const topics = odooTopicsOf(plan, {
      deadLetters: values['dlq-topic'] as string | undefined,
      audit: values['audit-topic'] as string | undefined,
    });
    const groupId =
      typeof values['group'] === 'string'
        ? values['group']
        : `shiftstream.${plan.plant.plantId}.odoo-poster${milestones ? '-milestones' : ''}`;
    const log = logger.child({ component: milestones ? 'milestone-poster' : 'shift-poster', groupId });

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
      const kafka = await createKafkaParts(config, plan, log);
      // The input topic too: the poster may start before `run` created it (same compaction as run).
      await kafka.ensureTopics([
        { topic: topics.deadLetters },
        { topic: topics.audit },
        milestones ? { topic: topics.milestones } : { topic: topics.shiftSummaries, compacted: true },
      ]);
      readiness.ready('kafka');
      const sink = kafka.sink();
      const poster: ItemPoster<object> = milestones
        ? createMilestoneItemPoster({
            client: runtime.client,
            ledger: milestoneLedgerOn(runtime.kv),
            mapping: plan.odoo,
            targets: runtime.targets,
            retry: { initialMs: 200, maxMs: 5_000, multiplier: 2, maxAttempts: 5 },
            quantityField: qf,
            codecs: kafka.codecs,
          })
        : createShiftItemPoster({
            writer: runtime.newWriter({
              count,
              periodMs,
              ceiling: { count: Math.max(count, 2_000), bytes: 16 * 1024 * 1024 },
            }),
            codecs: kafka.codecs,
          });
      const consumer = createPostingConsumer({
        source: kafka.source({ groupId, topics: [milestones ? topics.milestones : topics.shiftSummaries] }),
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
          topic: milestones ? topics.milestones : topics.shiftSummaries,
          deadLetters: topics.deadLetters,
          audit: topics.audit,
          batchCount: count,
          batchPeriodMs: periodMs,
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
