import { z } from 'zod';

/**
 * Every time in Homeostat's own APIs is a Unix timestamp in milliseconds (an integer), the unit
 * Grafana's DataFrame time fields use, so plugins never convert. Alertmanager's payloads keep
 * their RFC 3339 strings (see alertmanager.ts) because that is Alertmanager's wire format.
 */
export const EpochMs = z.number().int().nonnegative();
export type EpochMs = z.infer<typeof EpochMs>;

/**
 * Below this a request time is taken for Unix *seconds* (1e11 ms is March 1973): a seconds value
 * read as milliseconds would silently mean a day in January 1970.
 */
export const SECONDS_LOOKALIKE_BELOW = 1e11;
const notSeconds = (v: number) => v === 0 || v >= SECONDS_LOOKALIKE_BELOW;
const secondsMessage = 'times are Unix milliseconds; this looks like Unix seconds (multiply by 1000)';

/** A time a client sends (request body): Unix ms; a value that looks like seconds is rejected. */
export const RequestEpochMs = EpochMs.refine(notSeconds, { message: secondsMessage });
/** The same for a query-string parameter (a string coerced to a number). */
export const QueryEpochMs = z.coerce
  .number()
  .int()
  .nonnegative()
  .refine(notSeconds, { message: secondsMessage });

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
