import { z } from 'zod';
import { MetricKind } from './metric-kind';

/**
 * The ranker's settings. The defaults are statistical conventions, not fitted to any data set: a
 * point is anomalous at 3 robust deviations (IQRs) from the history's median, a metric needs 30
 * history points (the usual minimum for a stable median and IQR), and a callee may cross the
 * threshold one step after its caller (the two are sampled independently) and still explain it.
 */
export const RootCauseOptions = z
  .object({
    /** Robust deviations (IQR units) at which a point counts as anomalous. */
    threshold: z.number().positive().default(3),
    /** History points a metric needs before it is judged. */
    minHistory: z.number().int().min(2).default(30),
    /** Steps by which a callee's onset may trail its caller's and still explain it. */
    onsetToleranceSteps: z.number().min(0).default(1),
    /** Kinds for metric names the name rules classify wrongly (metric name → kind). */
    metricKinds: z.record(z.string(), z.enum(MetricKind)).default({}),
  })
  .strict();
export type RootCauseOptions = z.infer<typeof RootCauseOptions>;
export type RootCauseOptionsInput = z.input<typeof RootCauseOptions>;
