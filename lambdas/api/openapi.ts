import * as z from 'zod';
import { routes } from './routes.ts';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['type', 'code', 'message'],
      properties: {
        type: { type: 'string' },
        code: { type: 'string' },
        message: { type: 'string' },
        errors: { type: 'array', items: {} },
        source: { type: 'string', enum: ['idrive'] },
        requestId: { type: 'string' },
      },
    },
  },
};

let cached: unknown;

/** OpenAPI 3.1, generated from the same zod schemas the routes validate with. */
export function openApiDocument(): unknown {
  cached ??= build();
  return cached;
}

function build() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.params],
      ['query', route.query],
    ] as const) {
      if (!schema) continue;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, property] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: property,
        });
      }
    }
    if (route.confirm)
      parameters.push({
        name: 'confirm',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: `must equal {${route.confirm}} unless given in the body`,
      });
    const operation: Record<string, unknown> = {
      operationId: route.id,
      summary: route.summary,
      parameters,
      security: [{ sigv4: [] }, { bearer: [] }],
      responses: {
        '2XX': { description: 'success', content: { 'application/json': { schema: {} } } },
        default: { description: 'error', content: { 'application/json': { schema: errorSchema } } },
      },
    };
    if (route.body) {
      operation.requestBody = {
        required: route.method !== 'DELETE',
        content: {
          'application/json': { schema: z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) },
        },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'e2-ledger admin API',
      version: '0.1.0',
      description: 'Account lifecycle for IDrive e2 resellers: every change authenticated and audited.',
    },
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS SigV4 (API Gateway IAM authorization)',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'local `e2-ledger serve` tokens (E2L_ADMIN_TOKENS)',
        },
      },
    },
    paths,
  };
}
