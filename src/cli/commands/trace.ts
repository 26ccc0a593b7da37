// `shiftstream trace --lot <lot> [--backward|--forward]`: the genealogy of a lot, read from the
// compacted genealogy topic `post --kind material` writes (docs/semantics.md section 13,
// docs/genealogy.md).
import { formatTrace, traceLot, type GenealogyEdge, type TraceDirection } from '../../core/genealogy.js';
import { UsageError } from '../../errors.js';
import { EXIT_CODES, type CommandDef } from '../command.js';
import { materialOf } from '../kinds/material.js';
import { createKafkaParts } from '../odoo-wiring.js';
import { schemaTopicsOf } from '../posting-kinds.js';
import { durationFlag, loadCommandInputs, parseCommandFlags, type Options } from '../service-command.js';

const HELP = `Usage: shiftstream trace --topology <file> --lot <lot> [--forward | --backward] [options] [config flags]

Prints the genealogy of a lot: forward (default), the orders that consumed it and the lots they
produced, and on; backward, the orders that produced it and the lots they consumed, and on. Read
from the plant's compacted genealogy topic (topology material.genealogyTopic), which
\`post --kind material\` writes for every posted consumption and produced lot.

Options:
  --topology <file>    the plant's topology                                           required
  --lot <lot>          the lot or serial number                                        required
  --product <code>     only the lot of this plant product code (a lot name may repeat across products)
  --forward            what was made from the lot (default)
  --backward           what the lot was made from
  --json               print the tree as JSON
  --timeout <dur>      deadline for reading the topic to its end                   default 2m

Examples:
  shiftstream trace --topology topologies/stamping-berlin.yaml --lot C-2026-0412
  shiftstream trace --topology topologies/stamping-berlin.yaml --lot P-77 --backward

Exit codes: 0 printed (also an empty tree), 1 the lot is in no edge, 2 bad flags, 3 configuration, 4 a server failed.
`;

const OPTIONS: Options = {
  lot: { type: 'string' },
  product: { type: 'string' },
  forward: { type: 'boolean' },
  backward: { type: 'boolean' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
};

function isEdge(v: unknown): v is GenealogyEdge {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    e['version'] === 1 &&
    (e['kind'] === 'consumed' || e['kind'] === 'produced') &&
    ['plantId', 'order', 'product', 'lot'].every((k) => typeof e[k] === 'string')
  );
}

export const traceCommand: CommandDef = {
  name: 'trace',
  summary: 'Print the genealogy of a lot (forward or backward) from the genealogy topic',
  help: HELP,
  async run(ctx) {
    const parsed = parseCommandFlags('trace', ctx.argv, OPTIONS);
    const lot = parsed.values['lot'];
    if (typeof lot !== 'string' || lot === '')
      throw new UsageError('SHIFTSTREAM_USAGE', 'trace --lot: expected a lot or serial number, found none');
    if (parsed.values['forward'] === true && parsed.values['backward'] === true)
      throw new UsageError('SHIFTSTREAM_USAGE', 'trace: expected --forward or --backward, found both');
    const direction: TraceDirection = parsed.values['backward'] === true ? 'backward' : 'forward';
    const product = typeof parsed.values['product'] === 'string' ? parsed.values['product'] : undefined;
    const { config, plan, values, logger } = loadCommandInputs('trace', parsed, ctx.env, ctx.cwd);
    const timeoutMs = durationFlag('trace', 'timeout', values['timeout'], 120_000);
    const kafka = await createKafkaParts(config, plan.plant.plantId, schemaTopicsOf(plan, []), logger);
    // A compacted topic read to its end: the last value per key is the edge (a tombstone removes it).
    const edges = new Map<string, GenealogyEdge>();
    let unreadable = 0;
    await kafka.readAll({
      topic: materialOf(plan).genealogyTopic,
      purpose: 'trace',
      timeoutMs,
      onRecords: async (records) => {
        for (const r of records) {
          const key = r.key?.toString() ?? '';
          if (r.value === null) {
            edges.delete(key);
            continue;
          }
          let v: unknown;
          try {
            v = JSON.parse(r.value.toString('utf8'));
          } catch {
            v = undefined;
          }
          if (isEdge(v) && v.plantId === plan.plant.plantId) edges.set(key, v);
          else unreadable += 1;
        }
      },
    });
    const roots = traceLot(edges.values(), lot, direction, product);
    if (values['json'] === true) ctx.stdout.write(`${JSON.stringify({ lot, direction, roots })}\n`);
    else if (roots.length > 0) ctx.stdout.write(`${formatTrace(roots, direction)}\n`);
    ctx.stderr.write(
      `trace ${plan.plant.plantId} ${lot} ${direction}: ${edges.size} edge(s) read` +
        (unreadable > 0 ? `, ${unreadable} unreadable record(s) skipped` : '') +
        (roots.length === 0 ? '; the lot is in no edge' : '') +
        '\n',
    );
    return roots.length === 0 ? EXIT_CODES.checkFailed : EXIT_CODES.ok;
  },
};
