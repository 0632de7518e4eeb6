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
          responses: { '200': { description: 'Detectors', content: json('DetectorsResponse') } },
        },
      },
      '/api/v1/entities': {
        get: {
          summary: 'Followed entities (one model per groupBy label set) and their latest score',
          parameters: [q('detector', 'only this detector', false)],
          responses: { '200': { description: 'Entities', content: json('EntitiesResponse') }, ...errors },
        },
      },
      '/api/v1/score': {
        post: {
          summary: 'Causal replay of a configured detector or ad-hoc PromQL over [from, to] at stepSeconds',
          requestBody: { required: true, content: json('ScoreRequest') },
          responses: {
            '200': { description: 'Scores per entity, column-oriented', content: json('ScoreResponse') },
            ...errors,
            '503': { description: 'The query API is unreachable or failing', content: json('ApiError') },
          },
        },
      },
      '/api/v1/events': {
        get: {
          summary: 'Anomaly events overlapping [from, to]',
          parameters: [
            q('from', 'Unix ms (0, or at least 1e11: seconds are rejected)', true, 'integer'),
            q('to', 'Unix ms (0, or at least 1e11: seconds are rejected)', true, 'integer'),
            q('detector', 'only this detector', false),
            q('key', 'only this entity key', false),
          ],
          responses: { '200': { description: 'Events', content: json('EventsResponse') }, ...errors },
        },
      },
      '/v1/traces': {
        post: {
          summary:
            'OTLP/HTTP trace receiver (JSON encoding): span parent/child links across services teach the root-cause ranking who calls whom',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', description: 'ExportTraceServiceRequest' } },
            },
          },
          responses: {
            '200': { description: 'Accepted (an empty ExportTraceServiceResponse)' },
            ...errors,
            '415': { description: 'Protobuf encoding: export JSON', content: json('ApiError') },
          },
        },
      },
      '/api/v1/call-graph': {
        get: {
          summary:
            'The call graph the root-cause ranking uses: edges learned from traces and declared per detector',
          responses: {
            '200': { description: '{ traced: [{caller, callee}], declared: [{detector, caller, callee}] }' },
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', responses: { '200': { description: 'The process serves' } } },
      },
      '/readyz': {
        get: {
          summary:
            'Readiness = serving: the query API answers (modelsWarm says whether every detector scores yet)',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready; body says why' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: homeostat_anomaly_score, homeostat_root_cause and self-monitoring',
          responses: { '200': { description: 'Text exposition format' } },
        },
      },
    },
    components: {
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
