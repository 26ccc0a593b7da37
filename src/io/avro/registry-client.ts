// A small client of the Confluent-compatible schema registry REST API (Confluent Schema Registry,
// Apicurio's ccompat v7, Karapace) over fetch. Base URL example:
// http://127.0.0.1:8081/apis/ccompat/v7 (Apicurio) or http://registry:8081 (Confluent).
import { SchemaError } from '../../errors.js';

export interface RegistryClientOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Per-request deadline (default 10 s). */
  readonly timeoutMs?: number;
}

export interface RegisteredSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
}

/** What the serde needs from a registry: the writer schema of an id (undefined when unknown). */
export interface SchemaSource {
  fetchSchema(id: number): Promise<string | undefined>;
}

export interface RegistryClient extends SchemaSource {
  readonly url: string;
  /** Registers (or finds) a schema under a subject; returns the registry's id. */
  register(subject: string, schema: string): Promise<number>;
  listSubjects(): Promise<string[]>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  /** The global compatibility level (BACKWARD, NONE, ...). */
  compatibility(): Promise<string>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE };
  if (options.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }

  async function call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const where = `${method} ${base}${path}`;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `${e.message} (${e.cause?.code ?? e.cause?.message ?? 'no detail'})`;
      throw new SchemaError('SHIFTSTREAM_SCHEMA_REGISTRY', `schema registry ${where}: ${why}`, {
        cause: err,
        details: { url: base },
      });
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      /* keep the text for the error message */
    }
    return { status: res.status, body: parsed };
  }

  function fail(where: string, answer: HttpAnswer, expected: string): never {
    const message =
      typeof answer.body === 'object' && answer.body !== null && 'message' in answer.body
        ? String(answer.body.message)
        : JSON.stringify(answer.body);
    throw new SchemaError(
      'SHIFTSTREAM_SCHEMA_REGISTRY',
      `schema registry ${where}: expected ${expected}, found HTTP ${answer.status}: ${message}`,
      {
        details: { url: base, status: answer.status },
        retryable: answer.status >= 500 || answer.status === 429,
      },
    );
  }

  return {
    url: base,
    async register(subject, schema) {
      const path = `/subjects/${encodeURIComponent(subject)}/versions`;
      const answer = await call('POST', path, { schemaType: 'AVRO', schema });
      if (answer.status === 409) {
        const message = (answer.body as { message?: string } | undefined)?.message ?? JSON.stringify(answer.body);
        throw new SchemaError(
          'SHIFTSTREAM_SCHEMA_INCOMPATIBLE',
          `schema registry ${base}: subject '${subject}' refused the schema: ` +
            `expected a schema compatible with the latest version under the ` +
            `subject's compatibility rule, found an incompatible one (${message})`,
          { details: { subject, url: base } },
        );
      }
      const id = (answer.body as { id?: unknown } | undefined)?.id;
      if (answer.status !== 200 || typeof id !== 'number') fail(`POST ${path}`, answer, 'HTTP 200 with a numeric id');
      return id;
    },
    async fetchSchema(id) {
      const path = `/schemas/ids/${id}`;
      const answer = await call('GET', path);
      if (answer.status === 404) return undefined;
      const schema = (answer.body as { schema?: unknown } | undefined)?.schema;
      if (answer.status !== 200 || typeof schema !== 'string') fail(`GET ${path}`, answer, 'HTTP 200 with a schema');
      return schema;
    },
    async listSubjects() {
      const answer = await call('GET', '/subjects');
      if (answer.status !== 200 || !Array.isArray(answer.body)) fail('GET /subjects', answer, 'HTTP 200 with a list');
      return (answer.body as unknown[]).map(String);
    },
    async latest(subject) {
      const path = `/subjects/${encodeURIComponent(subject)}/versions/latest`;
      const answer = await call('GET', path);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) fail(`GET ${path}`, answer, 'HTTP 200');
      const b = answer.body as { version: number; id: number; schema: string };
      return { subject, version: b.version, id: b.id, schema: b.schema };
    },
    async compatibility() {
      const answer = await call('GET', '/config');
      const level = answer.body as { compatibilityLevel?: unknown; compatibility?: unknown } | undefined;
      const value = level?.compatibilityLevel ?? level?.compatibility;
      if (answer.status !== 200 || typeof value !== 'string')
        fail('GET /config', answer, 'HTTP 200 with compatibilityLevel');
      return value;
    },
  };
}
