import type { FaultAck, FaultWindowInfo } from './admin-client';

/** What the runner knows of an injected fault between polls of its process's `GET /admin/faults`. */
export interface FaultPollState {
  /** A poll found the process not answering (crashed, or stopped for a restart). */
  wasDown: boolean;
  /** When the fault was seen to end; null while it still acts (or nothing says otherwise). */
  observedEnd: number | null;
}

/**
 * One poll of the injected process's fault list (`list`, null when it did not answer) at `now`.
 * The process's own record of the fault ends it verbatim. A list without the record comes from a
 * process that replaced the injected one (a crash started again, a restart by the remediator): the
 * fault ended with it. That holds without a poll that found it down too: a replica restarted
 * between two polls (kill, spawn and ready in under a second, behind a drain that kept it answering)
 * was otherwise watched to the fault's planned end and recorded as `run-ended` at the runner's
 * clean-up, its restart invisible in the ground truth. Shared by `chaos run` and `chaos campaign`.
 */
export function pollFault(
  s: FaultPollState,
  ack: FaultAck,
  list: readonly FaultWindowInfo[] | null,
  crash: boolean,
  now: number,
): FaultPollState {
  if (s.observedEnd !== null) return s;
  if (list === null) return { ...s, wasDown: true };
  const mine = list.find((w) => w.fault === ack.fault && w.startedAt === ack.startedAt);
  if (mine) return mine.active ? s : { ...s, observedEnd: mine.endsAt };
  if (s.wasDown || crash || !list.some((w) => w.fault === ack.fault && w.active)) return { ...s, observedEnd: now };
  return s;
}
