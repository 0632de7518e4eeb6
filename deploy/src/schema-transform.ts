/**
 * Turns Kubernetes OpenAPI schemas into JSON Schemas ajv can enforce the way the API server does.
 * - `additionalProperties: false` on every object that lists its properties: `kubectl apply`
 *   validates strictly (unknown fields are errors since 1.27), so a typo such as
 *   `readOnlyRootFileSystem` must fail here too (the same choice as kubeconform's -strict).
 * - int-or-string (format `int-or-string` in OpenAPI v2, `x-kubernetes-int-or-string` in CRDs)
 *   and Quantity accept both YAML integers and strings.
 * - `x-kubernetes-preserve-unknown-fields` keeps an object open.
 * - A `pattern` in Go RE2 syntax that JavaScript cannot compile (inline flags such as `(?i)`) is
 *   dropped rather than guessed at.
 */

export type JsonSchema = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT_OR_STRING: JsonSchema = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
// Kubernetes' quantity grammar: a signed decimal number with an optional SI/binary suffix or exponent.
const QUANTITY: JsonSchema = {
  anyOf: [{ type: 'number' }, { type: 'string', pattern: '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$' }],
};

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

export function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!isObject(schema)) return schema;
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) return { ...INT_OR_STRING };
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'pattern' && typeof v === 'string' && !compiles(v)) continue;
    // nested property maps are keyed by field name: recurse into their values, not the map itself
    if ((k === 'properties' || k === 'definitions' || k === 'patternProperties') && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictify(s)]));
    } else {
      out[k] = strictify(v);
    }
  }
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(schema.properties) && schema.additionalProperties === undefined && !open) {
    out.additionalProperties = false;
  }
  return out;
}

/** Kubernetes definitions whose wire format differs from their OpenAPI `type`. */
export function patchKubernetesDefinitions(definitions: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out = { ...definitions };
  if (out['io.k8s.apimachinery.pkg.util.intstr.IntOrString']) out['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { ...INT_OR_STRING };
  if (out['io.k8s.apimachinery.pkg.api.resource.Quantity']) out['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { ...QUANTITY };
  return out;
}
