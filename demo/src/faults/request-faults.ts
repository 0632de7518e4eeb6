import { z } from 'zod';
import type { FaultDefinition } from '../fault-scheduler';
import type { FaultEffects } from './fault-effects';

export const LatencyParams = z.object({
  ms: z.number().min(1).max(30_000).default(800),
  jitterMs: z.number().min(0).max(10_000).default(0),
});
export type LatencyParams = z.infer<typeof LatencyParams>;

export const ErrorsParams = z.object({
  ratio: z.number().min(0).max(1).default(0.5),
  status: z.number().int().min(500).max(599).default(500),
});
export type ErrorsParams = z.infer<typeof ErrorsParams>;

export const PacketLossParams = z.object({ ratio: z.number().min(0).max(1).default(0.15) });
export type PacketLossParams = z.infer<typeof PacketLossParams>;

/** Adds a delay to every request (network or dependency slowness). */
export function latencyFault(effects: FaultEffects): FaultDefinition<LatencyParams> {
  return {
    name: 'latency',
    params: LatencyParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ ms, jitterMs }) {
      effects.addedLatencyMs = ms;
      effects.latencyJitterMs = jitterMs;
      return {
        stop() {
          effects.addedLatencyMs = 0;
          effects.latencyJitterMs = 0;
        },
      };
    },
  };
}

/** Fails a share of requests with a 5xx (a bad deploy, a failing dependency). */
export function errorsFault(effects: FaultEffects): FaultDefinition<ErrorsParams> {
  return {
    name: 'errors',
    params: ErrorsParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ ratio, status }) {
      effects.errorRatio = ratio;
      effects.errorStatus = status;
      return {
        stop() {
          effects.errorRatio = 0;
        },
      };
    },
  };
}

/**
 * Loses a share of the exchanges on the service's link: the caller's connection is reset with no
 * HTTP answer at all (what lost packets on a pod's network look like to the gateway).
 */
export function packetLossFault(effects: FaultEffects): FaultDefinition<PacketLossParams> {
  return {
    name: 'packet-loss',
    params: PacketLossParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ ratio }) {
      effects.lossRatio = ratio;
      return {
        stop() {
          effects.lossRatio = 0;
        },
      };
    },
  };
}
