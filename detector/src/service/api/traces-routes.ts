import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DetectorError } from '../../errors';
import { OtlpTraceExport, spanLinks } from '../traces/otlp-traces';
import type { ApiContext } from './context';
import { parseInput } from './http-errors';

/** OTLP batches are larger than API requests: a busy service's exporter sends up to 512 spans a batch. */
const TRACES_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The OpenTelemetry Collector's otlphttp exporter compresses with gzip by default (the SDKs do not):
 * inflate before the JSON parser. The body limit then applies to the inflated size.
 */
async function gunzip(req: FastifyRequest, _reply: unknown, payload: NodeJS.ReadableStream) {
  if (req.headers['content-encoding'] !== 'gzip') return payload;
  delete req.headers['content-length'];
  return payload.pipe(createGunzip());
}

/**
 * POST /v1/traces: an OTLP/HTTP trace receiver (JSON encoding), so a fleet's OpenTelemetry SDKs can
 * export to the detector (OTEL_EXPORTER_OTLP_ENDPOINT=http://detector:8090) and the root-cause
 * ranking learns who calls whom. The spans themselves are not stored.
 */
export function tracesRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], (_req, _body, done) =>
    done(
      new DetectorError(
        'INVALID_INPUT',
        'OTLP protobuf is not accepted: export JSON (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json)',
        { field: 'content-type', statusCode: 415 },
      ),
    ),
  );
  app.post(
    '/v1/traces',
    { bodyLimit: TRACES_BODY_LIMIT, preParsing: gunzip, config: { access: 'traces' } },
    async (req) => {
      if (!ctx.traces.enabled)
        throw new DetectorError('NOT_FOUND', 'the trace receiver is off: set traces.enabled in the config', {
          field: 'traces.enabled',
        });
      const body = parseInput(OtlpTraceExport, req.body ?? undefined);
      ctx.traces.graph.add(spanLinks(body, ctx.traces.servicePattern), Date.now());
      // ExportTraceServiceResponse: empty means every span was accepted.
      return {};
    },
  );
  // What the root-cause ranking believes calls what: each detector's declared dependencies and the
  // edges learned from traces (by entity name), so an operator can check the graph it ranks on.
  app.get('/api/v1/call-graph', { config: { access: 'read' } }, async () => ({
    traced: ctx.traces.graph.edges(Date.now()),
    declared: ctx.detectors.flatMap((d) =>
      Object.entries(d.rootCause.dependencies).flatMap(([caller, callees]) =>
        callees.map((callee) => ({ detector: d.name, caller, callee })),
      ),
    ),
  }));
}
