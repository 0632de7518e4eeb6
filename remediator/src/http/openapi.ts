import { z } from 'zod';
import {
  ActionsResponse,
  AlertmanagerWebhook,
  GrafanaWebhook,
  IncidentsResponse,
  ScaleBack,
  TimelineResponse,
} from '@homeostat/contracts';
import { ErrorCodes } from '../errors';

const schema = (s: z.ZodType): unknown => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const err = (desc: string) => ({
  description: desc,
  content: { 'application/json': { schema: ref('ApiError') } },
});
const range = [
  { name: 'from', in: 'query', required: true, schema: { type: 'integer' }, description: 'Unix ms' },
  { name: 'to', in: 'query', required: true, schema: { type: 'integer' }, description: 'Unix ms' },
  { name: 'service', in: 'query', required: false, schema: { type: 'string' } },
];
/** Who may call an operation: `security` for tools, `x-homeostat-access` names the credential. */
const secured = (access: 'webhook' | 'read' | 'operate') => ({
  security: access === 'webhook' ? [{ bearer: [] }, { basic: [] }] : [{ bearer: [] }],
  'x-homeostat-access': access,
});
const denied = {
  '401': err('missing or unknown credential'),
  '403': err('a credential of another role (e.g. the webhook token on an operator route)'),
};
const open = { security: [], 'x-homeostat-access': 'open' };
const receiver = (summary: string, body: string) => ({
  post: {
    summary,
    ...secured('webhook'),
    requestBody: { required: true, content: { 'application/json': { schema: ref(body) } } },
    responses: {
      '202': {
        description: 'persisted; acted on asynchronously',
        content: { 'application/json': { schema: ref('IntakeResponse') } },
      },
      '400': err('invalid payload; field names the offending path'),
      ...denied,
      '413': err('body too large'),
      '415': err('not JSON'),
      '503': err('cannot persist, or a Lease follower (NOT_LEADER); Alertmanager retries'),
    },
  },
});
const list = (summary: string, body: string) => ({
  get: {
    summary,
    ...secured('read'),
    parameters: range,
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ref(body) } } },
      '400': err('bad query'),
      ...denied,
    },
  },
});

/** The OpenAPI 3.1 document served at /openapi.json; shapes come from @homeostat/contracts. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Homeostat remediator', version: '0.1.0' },
    paths: {
      '/api/v1/alerts/alertmanager': receiver('Alertmanager webhook v4', 'AlertmanagerWebhook'),
      '/api/v1/alerts/grafana': receiver('Grafana Alerting webhook contact point', 'GrafanaWebhook'),
      '/api/v1/incidents': list(
        'Incidents (one per alert fingerprint + startsAt) with their actions',
        'IncidentsResponse',
      ),
      '/api/v1/actions': list(
        'Action records: decision, API call, before/after, result, verification',
        'ActionsResponse',
      ),
      '/api/v1/actions/{id}/approve': {
        post: {
          summary: 'Approve a pending_approval action: its ladder step runs now (other guards still apply)',
          ...secured('operate'),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'approved; the action runs asynchronously' },
            '400': err('not pending'),
            ...denied,
            '404': err('no such action'),
          },
        },
      },
      '/api/v1/timeline': {
        get: {
          ...list('Healing timeline events for the Grafana panel', 'TimelineResponse').get,
          description:
            'Incidents received in the range with their actions, verifications and resolution, and the ' +
            'give-backs (kind scale_back) recorded in the range: a scale-out hold ended and the replica it ' +
            'added was removed; such an event has detail ScaleBack (target, actuator, replica, incident, ' +
            "replicas before -> after where counted). `service` filters by the incident's service.",
        },
      },
      '/api/v1/kill-switch': {
        get: {
          summary: 'Kill switch state',
          ...secured('read'),
          responses: {
            '200': { description: 'OK', content: { 'application/json': { schema: ref('KillSwitch') } } },
            ...denied,
          },
        },
        put: {
          summary: 'Engage or release the kill switch (needs an operator token)',
          ...secured('operate'),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('KillSwitchInput') } },
          },
          responses: {
            '200': { description: 'OK', content: { 'application/json': { schema: ref('KillSwitch') } } },
            '400': err('bad body'),
            ...denied,
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          ...open,
          responses: { '200': { description: 'text exposition' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', ...open, responses: { '200': { description: 'alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness (database open)',
          ...open,
          responses: { '200': { description: 'ready' }, '503': err('not ready') },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', ...open, responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'webhook senders: auth.bearerTokens; readers: auth.readerTokens; operators: auth.operatorTokens',
        },
        basic: { type: 'http', scheme: 'basic' },
      },
      schemas: {
        AlertmanagerWebhook: schema(AlertmanagerWebhook),
        GrafanaWebhook: schema(GrafanaWebhook),
        IncidentsResponse: schema(IncidentsResponse),
        ActionsResponse: schema(ActionsResponse),
        TimelineResponse: schema(TimelineResponse),
        ScaleBack: schema(ScaleBack),
        IntakeResponse: {
          type: 'object',
          required: ['accepted', 'duplicates'],
          properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' } },
        },
        KillSwitchInput: {
          type: 'object',
          required: ['engaged'],
          properties: { engaged: { type: 'boolean' } },
        },
        KillSwitch: {
          type: 'object',
          required: ['engaged', 'api', 'config'],
          properties: { engaged: { type: 'boolean' }, api: { type: 'boolean' }, config: { type: 'boolean' } },
        },
        ApiError: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(ErrorCodes) },
            message: { type: 'string' },
            field: { type: 'string' },
          },
        },
      },
    },
  };
}
