// Doctor probe of the schema registry: reachable, compatibility level, subjects.
import type { Config } from '../../config/types.js';
import { createRegistryClient } from '../avro/registry-client.js';
import { valueSubject } from '../avro/schema-files.js';
import { errorText, type ProbeLine } from './probe.js';

export async function probeRegistry(config: Config['registry'], topics: readonly string[]): Promise<ProbeLine[]> {
  const client = createRegistryClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
  });
  try {
    const subjects = await client.listSubjects();
    const lines: ProbeLine[] = [
      { server: 'registry', status: 'ok', message: `${config.url}: reachable, ${subjects.length} subject(s)` },
    ];
    const level = await client.compatibility();
    lines.push(
      level === 'BACKWARD' || level === 'BACKWARD_TRANSITIVE' || level === 'FULL' || level === 'FULL_TRANSITIVE'
        ? { server: 'registry', status: 'ok', message: `global compatibility ${level}` }
        : {
            server: 'registry',
            status: 'warn',
            message: `global compatibility: expected BACKWARD (or stricter), found ${level}`,
          },
    );
    const have = new Set(subjects);
    const missing = topics.map(valueSubject).filter((s) => !have.has(s));
    if (missing.length > 0)
      lines.push({
        server: 'registry',
        status: 'warn',
        message: `subjects ${missing.join(', ')}: expected registered, found missing (registered on first write)`,
      });
    return lines;
  } catch (err) {
    return [
      {
        server: 'registry',
        status: 'fail',
        message: `${config.url}: expected a Confluent-compatible registry, found: ${errorText(err)}`,
      },
    ];
  }
}
