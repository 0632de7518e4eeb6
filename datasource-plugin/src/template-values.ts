import { ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

/**
 * A query field after template variables, as this datasource can send it: `all` when a variable
 * stands at "All" (no filter), else every text the field stands for — one per selected value of a
 * multi-value variable (several such variables: every combination). Grafana's default formatting
 * would turn a multi-value variable into a glob (`{a,b}`), which no Homeostat API understands.
 */
export type TemplateValues = { all: true } | { all: false; values: string[] };

const ALL_VALUE = '$__all';
/** Values that mean "every service" when a variable's custom all value is used. */
const ALL_ALIASES = new Set([ALL_VALUE, '.*', '*', 'All']);
const MARK = '\u0000';

interface VariableLike {
  current?: { value?: unknown };
}

function standsAtAll(variable: VariableLike | undefined, value: unknown): boolean {
  const current = variable?.current?.value;
  const selected = Array.isArray(current) ? current : [current];
  const given = Array.isArray(value) ? value : [value];
  return selected.includes(ALL_VALUE) || given.some((v) => ALL_ALIASES.has(String(v)));
}

export function templateValues(text: string, scopedVars: ScopedVars): TemplateValues {
  const multi: string[][] = [];
  let all = false;
  const replaced = getTemplateSrv().replace(text, scopedVars, (value: unknown, variable?: VariableLike) => {
    if (standsAtAll(variable, value)) {
      all = true;
      return '';
    }
    if (Array.isArray(value)) {
      if (value.length === 1) {
        return String(value[0]);
      }
      multi.push(value.map(String));
      return `${MARK}${multi.length - 1}${MARK}`;
    }
    return String(value ?? '');
  });
  if (all) {
    return { all: true };
  }
  let values = [replaced];
  multi.forEach((options, i) => {
    values = values.flatMap((v) => options.map((o) => v.split(`${MARK}${i}${MARK}`).join(o)));
  });
  return { all: false, values: [...new Set(values.map((v) => v.trim()).filter(Boolean))] };
}
