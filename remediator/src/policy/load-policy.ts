import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import { ActionParams } from './action-params';
import { PolicyInput, type Policy, type Rule } from './policy-schema';

/** Turns the first zod issue into a coded error naming the key path (`rules.0.ladder.1.action`). */
export function zodToError(
  code: 'POLICY_INVALID' | 'CONFIG_INVALID' | 'VALIDATION_FAILED',
  err: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): RemediatorError {
  const issue = err.issues[0];
  // An unknown key is reported on its parent; name the key itself so a typo is found at once.
  const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const field = issuePath([...prefix, ...(issue?.path ?? []), ...extra]) || '(root)';
  return new RemediatorError(code, `${field}: ${issue?.message ?? 'invalid'}`, { field, cause: err });
}

/** Validates a policy object (already parsed from YAML/JSON) and applies defaults to every rule. */
export function compilePolicy(raw: unknown, prefix: readonly PropertyKey[] = []): Policy {
  const parsed = PolicyInput.safeParse(raw ?? {});
  if (!parsed.success) throw zodToError('POLICY_INVALID', parsed.error, prefix);
  const p = parsed.data;
  const names = new Set<string>();
  const rules = p.rules.map((r, i): Rule => {
    const at = (...k: PropertyKey[]) => [...prefix, 'rules', i, ...k];
    if (names.has(r.name))
      throw new RemediatorError('POLICY_INVALID', `duplicate rule name ${r.name}`, {
        field: issuePath(at('name')),
      });
    names.add(r.name);
    const ladder = r.ladder.map((s, j) => {
      const params = ActionParams[s.action].safeParse(s.params);
      if (!params.success) throw zodToError('POLICY_INVALID', params.error, at('ladder', j, 'params'));
      return { action: s.action, params: params.data as Record<string, unknown> };
    });
    const matchRe: Record<string, RegExp> = {};
    for (const [k, v] of Object.entries(r.matchRe)) {
      try {
        matchRe[k] = new RegExp(`^(?:${v})$`);
      } catch (e) {
        throw new RemediatorError('POLICY_INVALID', `invalid regular expression for ${k}`, {
          field: issuePath(at('matchRe', k)),
          cause: e,
        });
      }
    }
    const replicas = r.replicas ?? p.defaults.replicas;
    if (replicas.min > replicas.max) {
      throw new RemediatorError('POLICY_INVALID', 'replicas.min must not exceed replicas.max', {
        field: issuePath(at('replicas', 'min')),
      });
    }
    return {
      name: r.name,
      match: r.match,
      matchRe,
      target: r.target,
      allow: r.allow,
      ladder,
      cooldownSeconds: r.cooldownSeconds ?? p.defaults.cooldownSeconds,
      maxAttempts: r.maxAttempts ?? p.defaults.maxAttempts,
      budget: r.budget ?? p.defaults.budget,
      blastRadius: r.blastRadius ?? p.defaults.blastRadius,
      replicas,
      dryRun: r.dryRun ?? p.defaults.dryRun,
      approvalRequired: r.approvalRequired ?? p.defaults.approvalRequired,
      approvalTimeoutSeconds: r.approvalTimeoutSeconds ?? p.defaults.approvalTimeoutSeconds,
      actOnSymptoms: r.actOnSymptoms ?? p.defaults.actOnSymptoms,
      verify: { ...p.defaults.verify, ...stripUndefined(r.verify ?? {}) },
    };
  });
  return { killSwitch: p.killSwitch, silenceWhileHealing: p.silenceWhileHealing, rules };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads and validates a policy YAML file; a YAML syntax error names the line. */
export function loadPolicyFile(file: string): Policy {
  return compilePolicy(parseYamlText(readFileSync(file, 'utf8'), file));
}

export function parseYamlText(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new RemediatorError('POLICY_INVALID', `${file}: ${msg}`, { field: '(yaml)', cause: e });
  }
}
