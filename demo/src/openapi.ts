import type { Operation } from './personality';

// Small hand-written OpenAPI 3.1 documents: the surface is tiny and fixed by docs/architecture.md.
const bearer = { bearerAuth: { type: 'http', scheme: 'bearer', description: 'HOMEOSTAT_ADMIN_TOKEN' } };
const apiError = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
};
const faultWindow = {
  type: 'object',
  required: ['fault', 'startedAt', 'endsAt'],
  properties: {
    fault: { type: 'string' },
    startedAt: { type: 'integer', description: 'Unix ms' },
    endsAt: { type: 'integer', description: 'Unix ms; planned end while active, actual end once stopped' },
    durationSeconds: { type: 'number' },
    params: { type: 'object' },
    endedBy: { type: 'string', enum: ['stopped', 'expired', 'replaced'] },
    active: { type: 'boolean' },
  },
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = {
  400: { description: 'bad input', ...json(apiError) },
  401: { description: 'missing or wrong bearer token', ...json(apiError) },
};
const platform = {
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (OpenMetrics, exemplars carry trace_id)',
      responses: { 200: { description: 'metrics' } },
    },
  },
  '/healthz': { get: { summary: 'liveness', responses: { 200: { description: 'alive' } } } },
  '/readyz': {
    get: {
      summary: 'readiness',
      responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
    },
  },
};

export function backendOpenApi(service: string, ops: Operation[], faults: string[]): object {
  const paths: Record<string, Record<string, object>> = { ...platform };
  for (const op of ops) {
    const path = op.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = {
      ...(paths[path] ?? {}),
      [op.method.toLowerCase()]: {
        summary: `${service} ${op.method} ${op.url}`,
        responses: {
          200: { description: 'ok' },
          503: { description: 'overloaded or database pool timeout', ...json(apiError) },
        },
      },
    };
  }
  const faultParam = { name: 'fault', in: 'path', required: true, schema: { type: 'string', enum: faults } };
  paths['/admin/faults'] = {
    get: {
      security: [{ bearerAuth: [] }],
      summary: 'active faults and history (ground truth)',
      responses: { 200: { description: 'faults' }, ...errors },
    },
  };
  paths['/admin/faults/{fault}'] = {
    post: {
      security: [{ bearerAuth: [] }],
      summary: 'start a fault; body: fault parameters and durationSeconds (bounded by the fault maximum)',
      parameters: [faultParam],
      requestBody: json({
        type: 'object',
        properties: { durationSeconds: { type: 'number' } },
        additionalProperties: true,
      }),
      responses: { 201: { description: 'started', ...json(faultWindow) }, ...errors },
    },
    delete: {
      security: [{ bearerAuth: [] }],
      summary: 'stop a fault',
      parameters: [faultParam],
      responses: {
        200: { description: 'stopped', ...json(faultWindow) },
        409: { description: 'not active', ...json(apiError) },
        ...errors,
      },
    },
  };
  paths['/admin/cache'] = {
    get: {
      security: [{ bearerAuth: [] }],
      summary: 'cache state',
      responses: { 200: { description: 'state' }, ...errors },
    },
    post: {
      security: [{ bearerAuth: [] }],
      summary: 'turn the cache on or off',
      requestBody: json({
        type: 'object',
        required: ['enabled'],
        properties: { enabled: { type: 'boolean' } },
      }),
      responses: { 200: { description: 'changed' }, ...errors },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: `Homeostat demo backend: ${service}`, version: '0.1.0' },
    components: { securitySchemes: bearer },
    paths,
  };
}

export function gatewayOpenApi(): object {
  const service = { name: 'service', in: 'path', required: true, schema: { type: 'string' } };
  const url = json({
    type: 'object',
    required: ['url'],
    properties: { url: { type: 'string', format: 'uri' } },
  });
  const sec = [{ bearerAuth: [] }];
  return {
    openapi: '3.1.0',
    info: { title: 'Homeostat demo gateway', version: '0.1.0' },
    components: { securitySchemes: bearer },
    paths: {
      ...platform,
      '/api/{service}/{path}': {
        get: {
          summary: 'forwarded to a replica of {service} (weighted round robin)',
          parameters: [service],
          responses: { 502: { description: 'no upstream answered', ...json(apiError) } },
        },
      },
      '/admin/upstreams': {
        get: {
          security: sec,
          summary: 'replicas, weights and health per service',
          responses: { 200: { description: 'upstreams' }, ...errors },
        },
      },
      '/admin/upstreams/{service}': {
        post: {
          security: sec,
          summary: 'add a replica',
          parameters: [service],
          requestBody: url,
          responses: { 201: { description: 'added' }, ...errors },
        },
        delete: {
          security: sec,
          summary: 'remove a replica',
          parameters: [service],
          requestBody: url,
          responses: { 200: { description: 'removed' }, ...errors },
        },
      },
      '/admin/weights/{service}': {
        post: {
          security: sec,
          summary: 'set traffic weights (traffic shift)',
          parameters: [service],
          requestBody: json({
            type: 'object',
            required: ['weights'],
            properties: { weights: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } } },
          }),
          responses: { 200: { description: 'set' }, ...errors },
        },
      },
      '/admin/faults': {
        get: {
          security: sec,
          summary: 'active faults and history',
          responses: { 200: { description: 'faults' }, ...errors },
        },
      },
      '/admin/faults/packet-loss': {
        post: {
          security: sec,
          summary: 'reset a share of client connections',
          requestBody: json({
            type: 'object',
            properties: {
              ratio: { type: 'number', minimum: 0, maximum: 1 },
              durationSeconds: { type: 'number' },
            },
          }),
          responses: { 201: { description: 'started', ...json(faultWindow) }, ...errors },
        },
        delete: {
          security: sec,
          summary: 'stop packet loss',
          responses: { 200: { description: 'stopped', ...json(faultWindow) }, ...errors },
        },
      },
    },
  };
}
