import { DetectorError } from '../errors';
import type { MissingPolicy } from './config';
import type { ScoringModel } from './entity-registry';
import type { PointLike } from './event-tracker';

/** Snapshot of a model behind a missing-feature policy (the policy, the carried values, the model). */
export interface MissingFillState {
  format: 'homeostat.missing-fill';
  version: 1;
  policies: (MissingPolicy | null)[];
  last: (number | null)[];
  inner: unknown;
}

/**
 * Applies a detector's per-feature missing policy before each point reaches the scoring pipeline:
 * `zero` fills a missing value with 0, `last` with the entity's last finite value of that feature
 * (none yet: stays missing), anything else leaves it missing and the pipeline skips the step. The
 * carried values are part of the model's state, so the live loop (across cycles and restarts) and
 * the REST replay fill the same points the same way.
 */
export class MissingFill implements ScoringModel {
  private constructor(
    private readonly policies: (MissingPolicy | null)[],
    private readonly last: (number | null)[],
    readonly inner: ScoringModel,
  ) {}

  static wrap(
    features: readonly string[],
    missing: Record<string, MissingPolicy>,
    inner: ScoringModel,
  ): MissingFill {
    return new MissingFill(
      features.map((f) => missing[f] ?? null),
      features.map(() => null),
      inner,
    );
  }

  static isState(state: unknown): state is MissingFillState {
    return (state as { format?: unknown } | null)?.format === 'homeostat.missing-fill';
  }

  static fromState(state: MissingFillState, inner: ScoringModel): MissingFill {
    if (state.version !== 1 || state.policies.length !== state.last.length)
      throw new DetectorError('INVALID_STATE', 'missing-fill state: unknown version or ragged arrays');
    return new MissingFill([...state.policies], [...state.last], inner);
  }

  push(timestampMs: number, values: ArrayLike<number | null>): PointLike {
    const row = new Array<number | null>(values.length);
    for (let f = 0; f < values.length; f++) {
      const v = values[f];
      if (v !== null && Number.isFinite(v)) {
        row[f] = v;
        this.last[f] = v;
      } else if (this.policies[f] === 'zero') row[f] = 0;
      else if (this.policies[f] === 'last') row[f] = this.last[f];
      else row[f] = null;
    }
    return this.inner.push(timestampMs, row);
  }

  get warm(): boolean {
    return this.inner.warm;
  }

  get fittedAt(): number | null {
    return this.inner.fittedAt;
  }

  toJSON(): MissingFillState {
    return {
      format: 'homeostat.missing-fill',
      version: 1,
      policies: [...this.policies],
      last: [...this.last],
      inner: this.inner.toJSON(),
    };
  }
}
