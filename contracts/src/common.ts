import { z } from 'zod';

/**
 * Every time in Homeostat's own APIs is a Unix timestamp in milliseconds (an integer), the unit
 * Grafana's DataFrame time fields use, so plugins never convert. Alertmanager's payloads keep
 * their RFC 3339 strings (see alertmanager.ts) because that is Alertmanager's wire format.
 */
export const EpochMs = z.number().int().nonnegative();
export type EpochMs = z.infer<typeof EpochMs>;

/** A Prometheus label set, e.g. `{ service: "orders" }`. */
export const Labels = z.record(z.string(), z.string());
export type Labels = z.infer<typeof Labels>;

/**
 * The error body every Homeostat service returns with a 4xx or 5xx status. `code` is stable
 * (UPPER_SNAKE) and is what clients switch on; `field` names the offending input, as a dotted path
 * (`alerts.0.startsAt`), when the error is about one.
 */
export const ApiError = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  message: z.string(),
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Turns a zod issue path into the dotted `field` of an ApiError (`alerts.0.labels`). */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}
