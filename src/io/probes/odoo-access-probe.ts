// Doctor probe of the Odoo API user's rights: for every (model, operation) the chosen commands
// need, Odoo is asked whether the user holds it (io/odoo/access-rights.ts); one line per missing
// right names the commands, what they do with it and the group that grants it.
import type { Config } from '../../config/types.js';
import { checkOdooAccess, ODOO_COMMANDS, type AccessFinding, type OdooCommand } from '../odoo/access-rights.js';
import { createOdooClient } from '../odoo/client.js';
import { errorText, type ProbeLine } from './probe.js';

interface Right {
  readonly model: string;
  readonly operation: string;
  readonly findings: AccessFinding[];
}

export async function probeOdooAccess(
  config: NonNullable<Config['odoo']>,
  commands: readonly OdooCommand[],
): Promise<ProbeLine[]> {
  const client = createOdooClient({
    url: config.url,
    db: config.db,
    login: config.login,
    apiKey: config.apiKey,
    protocol: config.protocol,
    timeoutMs: config.timeoutMs,
    readRetry: { initialMs: 100, maxMs: 1_000, multiplier: 2, maxAttempts: 2 },
  });
  const names = commands.map((c) => ODOO_COMMANDS[c]).join(', ');
  let findings: AccessFinding[];
  let method: string;
  try {
    method = (await client.version()).major >= 18 ? 'has_access' : 'check_access_rights';
    findings = await checkOdooAccess(client, commands);
  } catch (err) {
    return [
      {
        server: 'odoo',
        status: 'fail',
        message: `access rights of ${config.login} for ${names}: expected Odoo to answer, found: ${errorText(err)}`,
      },
    ];
  } finally {
    client.close();
  }
  const rights = new Map<string, Right>();
  for (const f of findings) {
    const key = `${f.need.model}:${f.operation}`;
    const r = rights.get(key) ?? { model: f.need.model, operation: f.operation, findings: [] };
    r.findings.push(f);
    rights.set(key, r);
  }
  const lines: ProbeLine[] = [];
  let granted = 0;
  let notNeeded = 0;
  const skipped = new Set<string>();
  for (const r of rights.values()) {
    const result = r.findings[0]!.result;
    if (result === 'allowed') granted++;
    if (result === 'not-installed') {
      notNeeded++;
      skipped.add(r.model);
    }
    if (result !== 'denied') continue;
    const who = [...new Set(r.findings.map((f) => ODOO_COMMANDS[f.command]))].join(', ');
    const why = [...new Set(r.findings.map((f) => f.need.why))].join('; ');
    // Required when one command needs it on every path; otherwise only on the paths named.
    const always = r.findings.some((f) => f.need.onlyWhen === undefined);
    const when = always ? '' : ` (needed only when ${r.findings[0]!.need.onlyWhen ?? ''})`;
    lines.push({
      server: 'odoo',
      status: always ? 'fail' : 'warn',
      message:
        `${r.operation} on ${r.model}: expected ${config.login} to have it for ${who} (${why})${when}, ` +
        `found it denied; grant ${r.findings[0]!.need.group}`,
    });
  }
  const notInstalled = skipped.size === 0 ? '' : `; not installed, so not needed: ${[...skipped].join(', ')}`;
  const checked = rights.size - notNeeded;
  // The summary is the check when all is granted; otherwise each missing right is its own line.
  if (!lines.some((l) => l.status === 'fail')) {
    lines.unshift({
      server: 'odoo',
      status: 'ok',
      message:
        `access rights of ${config.login} (${method}): ${granted} of ${checked} ` +
        `granted for ${names}${notInstalled}`,
    });
  }
  return lines;
}
