import { z } from 'zod';
import {
  ApiError,
  DetectorsResponse,
  EntitiesResponse,
  EventsResponse,
  ScoreRequest,
  ScoreResponse,
} from '@homeostat/contracts';

/** JSON Schema of a contracts schema, as OpenAPI 3.1 accepts it (refinements are not expressible). */
function schema(s: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const errors = {
  '400': { description: 'Bad input; `field` names the offending parameter', content: json('ApiError') },
  '500': { description: 'Internal error', content: json('ApiError') },
};
const denied = {
  '401': {
    description: 'UNAUTHORIZED: no credential, or one the config does not hold (`field: authorization`)',
    content: json('ApiError'),
  },
  '403': {
    description: 'FORBIDDEN: a credential of the other role, e.g. a trace sender token on a read',
    content: json('ApiError'),
  },
};
/** Who may call an operation: `security` for tools, `x-homeostat-access` names the credential (api/access-control.ts). */
const secured = (access: 'read' | 'traces') => ({
  security: [{ bearer: [] }],
  'x-homeostat-access': access,
});
const open = { security: [], 'x-homeostat-access': 'open' };

/** The OpenAPI 3.1 document served at /openapi.json; shapes come from @homeostat/contracts. */
export function openApiDocument(version: string): Record<string, unknown> {
  const q = (name: string, description: string, required: boolean, type = 'string') => ({
    name,
    in: 'query',
    required,
    description,
    schema: { type },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Homeostat detector',
      version,
      description:
        'Anomaly scores of Prometheus series (Isolation Forest per entity). Times are Unix milliseconds (a request time below 1e11, i.e. one that looks like Unix seconds, is rejected with 400 INVALID_INPUT naming the field); scores are calibrated so 1.0 is the threshold.',
    },
    paths: {
      '/api/v1/detectors': {
        get: {
          summary: 'Configured detectors',
          ...secured('read'),
          responses: { '200': { description: 'Detectors', content: json('DetectorsResponse') }, ...denied },
        },
      },
      '/api/v1/entities': {
        get: {
          summary: 'Followed entities (one model per groupBy label set) and their latest score',
          ...secured('read'),
          parameters: [q('detector', 'only this detector', false)],
          responses: {
            '200': { description: 'Entities', content: json('EntitiesResponse') },
            ...errors,
            ...denied,
          },
        },
      },
      '/api/v1/score': {
        post: {
          summary: 'Causal replay of a configured detector or ad-hoc PromQL over [from, to] at stepSeconds',
          ...secured('read'),
          requestBody: { required: true, content: json('ScoreRequest') },
          responses: {
            '200': { description: 'Scores per entity, column-oriented', content: json('ScoreResponse') },
            ...errors,
            ...denied,
            '503': { description: 'The query API is unreachable or failing', content: json('ApiError') },
          },
        },
      },
      '/api/v1/events': {
        get: {
          summary: 'Anomaly events overlapping [from, to]',
          ...secured('read'),
          parameters: [
            q('from', 'Unix ms (0, or at least 1e11: seconds are rejected)', true, 'integer'),
            q('to', 'Unix ms (0, or at least 1e11: seconds are rejected)', true, 'integer'),
            q('detector', 'only this detector', false),
            q('key', 'only this entity key', false),
          ],
          responses: {
            '200': { description: 'Events', content: json('EventsResponse') },
            ...errors,
            ...denied,
          },
        },
      },
      '/v1/traces': {
        post: {
          summary:
            'OTLP/HTTP trace receiver (JSON encoding): span parent/child links across services teach the root-cause ranking who calls whom',
          ...secured('traces'),
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', description: 'ExportTraceServiceRequest' } },
            },
          },
          responses: {
            '200': { description: 'Accepted (an empty ExportTraceServiceResponse)' },
            ...errors,
            ...denied,
            '415': { description: 'Protobuf encoding: export JSON', content: json('ApiError') },
          },
        },
      },
      '/api/v1/call-graph': {
        get: {
          summary:
            'The call graph the root-cause ranking uses: edges learned from traces and declared per detector',
          ...secured('read'),
          responses: {
            '200': { description: '{ traced: [{caller, callee}], declared: [{detector, caller, callee}] }' },
            ...denied,
          },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', ...open, responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
      '/healthz': {
        get: { summary: 'Liveness', ...open, responses: { '200': { description: 'The process serves' } } },
      },
      '/readyz': {
        get: {
          summary:
            'Readiness = serving: the query API answers (modelsWarm says whether every detector scores yet)',
          ...open,
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready; body says why' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: homeostat_anomaly_score, homeostat_root_cause and self-monitoring',
          ...open,
          responses: { '200': { description: 'Text exposition format' } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'readers (GET /api/v1/*, POST /api/v1/score): auth.readerTokens; trace senders (POST /v1/traces): auth.traceTokens',
        },
      },
      schemas: {
        ApiError: schema(ApiError),
        DetectorsResponse: schema(DetectorsResponse),
        EntitiesResponse: schema(EntitiesResponse),
        ScoreRequest: schema(ScoreRequest, 'input'),
        ScoreResponse: schema(ScoreResponse),
        EventsResponse: schema(EventsResponse),
      },
    },
  };
}
