import { z } from 'zod';
import { PIPELINE_DEFAULTS as D } from '../engine/scoring-pipeline';

/**
 * How scores become alarms (detector/README.md, "The scoring pipeline"). Counts are in points
 * (steps at the detector's interval): a statistic needs so many samples whatever the interval.
 * Every key is optional; the defaults serve ops metrics and the NAB corpus alike.
 */
export const PipelineSettings = z
  .object({
    /** Points before the first forest is fitted (at most half the training window). */
    warmupPoints: z
      .number()
      .int()
      .min(2)
      .default(D.forest.warmup as number),
    /** Trailing window of the forest's rolling robust z feature (at most half the training window). */
    zWindowPoints: z
      .number()
      .int()
      .min(8)
      .default(D.forest.zWindow as number),
    likelihood: z
      .object({
        /** Points in the short moving average of a stage's scores. */
        shortPoints: z.number().int().min(1).default(D.likelihood.shortWindow),
        /** Points of that average behind its long-run mean and spread. */
        longPoints: z.number().int().min(2).default(D.likelihood.longWindow),
        /** Long-run points needed before the pipeline reports a score. */
        minPoints: z.number().int().min(2).default(D.likelihood.minSamples),
        /** Floor on the long-run spread, so a very regular series is not hair-trigger. */
        minSpread: z.number().positive().default(D.likelihood.minStd),
        /**
         * Averages above the alarm line in a row before they count as the new normal; until then
         * they stay out of the long-run history ("do not learn from incidents"), so a sustained
         * fault keeps alarming. 0 learns every average.
         */
        acceptAfterPoints: z.number().int().nonnegative().default(D.likelihood.acceptAfter),
      })
      .strict()
      .prefault({}),
    /** Window of the values' trailing robust z stage; 0 turns the stage off. */
    robustZPoints: z.number().int().nonnegative().default(D.robustZPoints),
    /**
     * Smallest spread the robust z divides by, as a share of the window's median (0: none). For
     * rates of steady traffic, which Prometheus quantises (a flat window, MAD 0): 0.1 means a change
     * of 10 % of the level is one deviation, however flat the window was.
     */
    robustZRelativeFloor: z.number().min(0).max(1).default(D.robustZRelativeFloor),
    /**
     * Per feature (a `queries` key), the smallest spread its robust z divides by, in the feature's
     * unit: for a growth rate that sits at 0 (memory, disk), a wobble under it is under one deviation.
     */
    robustZAbsoluteFloor: z.record(z.string(), z.number().nonnegative()).default({}),
    seasonal: z
      .object({
        /** Compare with the same time one period ago; 0 turns the stage off. */
        periodSeconds: z
          .number()
          .nonnegative()
          .default(D.seasonal.periodMs / 1000),
        /** Points of past differences the current one is judged against. */
        points: z.number().int().min(8).default(D.seasonal.points),
      })
      .strict()
      .prefault({}),
    rangeRule: z
      .object({
        /** Beyond everything seen by this share of the range seen: an alarm; 0 turns it off. */
        tolerance: z.number().nonnegative().default(D.range.tolerance),
        /** Points seen before the rule may fire. */
        minPoints: z.number().int().nonnegative().default(D.range.minPoints),
        /**
         * Out-of-range points in a row before they count as the new normal; until then they stay
         * out of the range ("do not learn from incidents"). 0 learns every point at once.
         */
        acceptAfterPoints: z.number().int().nonnegative().default(D.range.acceptAfter),
        /**
         * Per feature (a `queries` key), the smallest step beyond everything seen that counts, in
         * the feature's unit: the step is max(tolerance × range, minExcess). A feature that never
         * moved (an error ratio at 0) has no range and is judged only with it. None by default.
         */
        minExcess: z.record(z.string(), z.number().nonnegative()).default({}),
      })
      .strict()
      .prefault({}),
    /**
     * Demand as context (detector/README.md, "Demand as context"): `features` measure demand and never
     * alarm on their own beside other features; `resources` do not while they move the way demand
     * moved. Unset: chosen by the features' names (request, rate, throughput, ... are demand; cpu,
     * memory, disk, connections, ... resources). `features: []` turns it off.
     */
    demand: z
      .object({
        features: z.array(z.string()).optional(),
        resources: z.array(z.string()).optional(),
      })
      .strict()
      .superRefine((d, ctx) => {
        for (const f of d.resources ?? [])
          if (d.features?.includes(f))
            ctx.addIssue({ code: 'custom', path: ['resources', f], message: `${f} is a demand feature` });
      })
      .optional(),
    alarm: z
      .object({
        /** Alarm line on the log-likelihood scale; anomaly_score = stage score / level. */
        level: z.number().gt(0).lt(1).default(D.alarm.level),
        /** After an alarm opens, no new one opens for this many points. */
        holdPoints: z.number().int().nonnegative().default(D.alarm.holdPoints),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.likelihood.minPoints > p.likelihood.longPoints)
      ctx.addIssue({
        code: 'custom',
        path: ['likelihood', 'minPoints'],
        message: 'cannot exceed longPoints',
      });
  });
export type PipelineSettings = z.infer<typeof PipelineSettings>;
