import type { Labels, Target } from '@homeostat/contracts';
import type { Policy, Rule } from './policy-schema';

/**
 * The value a rule's `match` / `matchRe` key is compared with: the alert's label of that name, else
 * its annotation of that name. Homeostat's rules send `top_feature` as an annotation (a label would
 * make every change of the top feature a new alert), so `top_feature: cpu` matches it there; a label
 * always wins, so an alert that still carries `top_feature` as a label matches as before.
 */
export function matchValue(labels: Labels, annotations: Labels, key: string): string | undefined {
  return labels[key] ?? annotations[key];
}

/** The first rule whose `match` and `matchRe` all hold for the alert (order in the file wins). */
export function matchRule(policy: Policy, labels: Labels, annotations: Labels = {}): Rule | null {
  for (const rule of policy.rules) {
    const exact = Object.entries(rule.match).every(([k, v]) => matchValue(labels, annotations, k) === v);
    if (!exact) continue;
    const re = Object.entries(rule.matchRe).every(([k, r]) => {
      const v = matchValue(labels, annotations, k);
      return v !== undefined && r.test(v);
    });
    if (re) return rule;
  }
  return null;
}

/** Replaces `{{label}}` with the label's value; null when a referenced label is missing or empty. */
export function renderTemplate(template: string, labels: Labels): string | null {
  let missing = false;
  const out = template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => {
    const v = labels[k];
    if (v === undefined || v === '') missing = true;
    return v ?? '';
  });
  return missing ? null : out;
}

/** The rule's target rendered from the alert's labels (namespace + deployment, project + service...). */
export function resolveTarget(rule: Rule, labels: Labels): Target | null {
  const name = renderTemplate(rule.target.name, labels);
  if (name === null) return null;
  const t: Target = { actuator: rule.target.actuator, kind: rule.target.kind, name };
  if (rule.target.namespace !== undefined) {
    const ns = renderTemplate(rule.target.namespace, labels);
    if (ns === null) return null;
    t.namespace = ns;
  }
  return t;
}

/** `*` is the only wildcard, so an allow-list entry can never be a surprising regular expression. */
export function isAllowed(rule: Rule, target: Target): boolean {
  return rule.allow.some((pattern) => {
    const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`);
    return re.test(target.name);
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function targetKey(t: Target): string {
  return `${t.actuator}/${t.kind}/${t.namespace ?? ''}/${t.name}`;
}
