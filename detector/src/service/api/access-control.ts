import { createAccessGuard, type AccessSwitches } from '@homeostat/contracts/access';
import { DetectorError } from '../../errors';

/**
 * What a route needs. `read`: every GET /api/v1/* and POST /api/v1/score (a replay computes, it
 * changes nothing), e.g. the Grafana datasource through its data proxy. `traces`: POST /v1/traces,
 * the fleet's OTLP exporters (what they post decides which alert is a symptom). `open`: /metrics,
 * /healthz, /readyz, /openapi.json. The detector has no operator role: nothing in its API changes
 * what it scores or acts on anything.
 */
export type Access = 'read' | 'traces' | 'open';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route declares it; server.ts refuses to register one that does not. */
    access?: Access;
  }
}

/** The auth section with its secrets read. */
export interface Credentials extends AccessSwitches {
  /** Readers: `Authorization: Bearer`, as the Grafana datasource sends its detectorToken. */
  readerTokens: string[];
  /** Trace senders: `Authorization: Bearer` through OTEL_EXPORTER_OTLP_HEADERS. */
  traceTokens: string[];
}

export type AccessCheck = (header: string | undefined, need: Access) => void;

const NEEDED: Record<Exclude<Access, 'open'>, string> = {
  read: 'a reader token (auth.readerTokens)',
  traces: 'a trace sender token (auth.traceTokens)',
};

/**
 * Least privilege over two credentials: the token the fleet's exporters hold cannot read scores or
 * events, the reader token Grafana holds cannot teach the call graph. Throws UNAUTHORIZED (no or
 * unknown credential) or FORBIDDEN (a known credential of the other role), both naming
 * `authorization`. The constant-time comparison is @homeostat/contracts/access's.
 */
export function createAccessCheck(c: Credentials): AccessCheck {
  return createAccessGuard<'reader' | 'traceSender', Exclude<Access, 'open'>>(
    {
      credentials: { bearer: { reader: c.readerTokens, traceSender: c.traceTokens } },
      grants: { reader: ['read'], traceSender: ['traces'] },
      anonymous: c.anonymousReads ? ['read'] : [],
      disabled: c.disabled,
    },
    NEEDED,
    (code, message) => new DetectorError(code, message, { field: 'authorization' }),
  );
}
