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
    /**
     * Per metric, the smallest spread a deviation is measured in, in the metric's unit (metric name →
     * floor). A series that sits at 0 (a growth clamped at 0, an error ratio) has no spread of its
     * own, so its first small move reads as many deviations: 60 kB/s of memory growth on a service
     * without a fault made it "its own cause" in a chaos campaign, under the detector's 256 KiB/s
     * floor. The live detector defaults each metric's floor to its pipeline's `robustZAbsoluteFloor`,
     * so the ranker never calls a metric moved that the detector's own scoring calls noise.
     */
    spreadFloors: z.record(z.string(), z.number().nonnegative()).default({}),
  })
  .strict();
export type RootCauseOptions = z.infer<typeof RootCauseOptions>;
export type RootCauseOptionsInput = z.input<typeof RootCauseOptions>;
