import type { FaultAck, FaultWindowInfo } from './admin-client';
import type { GroundTruthWindow } from './run-record';

/**
 * The exact window a fault was active. The demo records it itself (startedAt when the fault began
 * acting, endsAt when it stopped: expired, DELETE or replaced), so when the injected process still
 * holds its history we take that verbatim. A process that died (crash) or was replaced (a restart
 * by the remediator) lost its history: the window then ends when the runner saw the service answer
 * again without the fault, or at `runEnd` if it never did.
 */
export function resolveGroundTruth(
  ack: FaultAck,
  service: string,
  history: readonly FaultWindowInfo[] | null,
  observedEnd: number | null,
  runEnd: number,
): GroundTruthWindow {
  const own = history?.find((w) => w.fault === ack.fault && w.startedAt === ack.startedAt);
  if (own && !own.active) {
    return { fault: ack.fault, service, start: ack.startedAt, end: own.endsAt, endedBy: own.endedBy ?? 'stopped' };
  }
  if (own && own.active) {
    // still active when the run ended (cannot happen after the rollbacks, but never invent an end)
    return { fault: ack.fault, service, start: ack.startedAt, end: runEnd, endedBy: 'run-ended' };
  }
  if (observedEnd !== null) {
    return { fault: ack.fault, service, start: ack.startedAt, end: Math.max(ack.startedAt, observedEnd), endedBy: 'restarted' };
  }
  return { fault: ack.fault, service, start: ack.startedAt, end: runEnd, endedBy: 'run-ended' };
}
