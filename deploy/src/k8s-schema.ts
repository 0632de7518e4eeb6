import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { DeployError } from './errors';
import { patchKubernetesDefinitions, strictify, type JsonSchema } from './schema-transform';

/**
 * Offline validation of Kubernetes objects against the API's own schemas: the OpenAPI v2
 * definitions of Kubernetes (deploy/schemas/kubernetes/definitions.json) for built-in kinds, and the
 * openAPIV3Schema of CustomResourceDefinitions (deploy/schemas/crds/*.json) for custom resources.
 * Sources and versions: deploy/schemas/SOURCES.md. CEL rules (x-kubernetes-validations) and
 * admission webhooks are not evaluated.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface SchemaProblem {
  /** `Kind/name` of the object */
  object: string;
  /** JSON pointer inside the object, e.g. /spec/template/spec/containers/0/args/3 */
  path: string;
  message: string;
}

const SCHEMAS = join(__dirname, '..', 'schemas');

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const apiVersionOf = (g: GroupVersionKind) => (g.group ? `${g.group}/${g.version}` : g.version);

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `missing required field "${String(e.params.missingProperty)}"`;
  if (e.keyword === 'enum') return `must be one of ${JSON.stringify(e.params.allowedValues)}`;
  return e.message ?? e.keyword;
}

/** Keeps the most useful error of an anyOf (the branch's own errors, not "must match a schema in anyOf"). */
function problemsOf(errors: ErrorObject[] | null | undefined, object: string): SchemaProblem[] {
  const list = (errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const seen = new Set<string>();
  return list
    .map((e) => ({ object, path: e.instancePath || '/', message: describe(e) }))
    .filter((p) => {
      const key = `${p.path} ${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

export class KubernetesSchemas {
  readonly kubernetesVersion: string;
  private readonly ajv: Ajv;
  private readonly builtin = new Map<string, string>();
  private readonly custom = new Map<string, ValidateFunction>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(schemasDir = SCHEMAS) {
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
    const k8s = JSON.parse(readFileSync(join(schemasDir, 'kubernetes', 'definitions.json'), 'utf8')) as {
      kubernetesVersion: string;
      definitions: Record<string, JsonSchema>;
    };
    this.kubernetesVersion = k8s.kubernetesVersion;
    const definitions = patchKubernetesDefinitions(k8s.definitions);
    this.ajv.addSchema({ $id: 'k8s', definitions: strictify(definitions) as JsonSchema });
    for (const [name, def] of Object.entries(definitions)) {
      const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as GroupVersionKind[];
      for (const g of gvks) this.builtin.set(`${apiVersionOf(g)}/${g.kind}`, name);
    }
    for (const file of readdirSync(join(schemasDir, 'crds')).filter((f) => f.endsWith('.json'))) {
      const crd = JSON.parse(readFileSync(join(schemasDir, 'crds', file), 'utf8')) as {
        group: string;
        kind: string;
        versions: Record<string, JsonSchema>;
      };
      for (const [version, schema] of Object.entries(crd.versions)) {
        this.custom.set(`${crd.group}/${version}/${crd.kind}`, this.ajv.compile(strictify(schema) as JsonSchema));
      }
    }
  }

  /** `apiVersion/kind` pairs this validator has a schema for. */
  knownKinds(): string[] {
    return [...this.builtin.keys(), ...this.custom.keys()].sort();
  }

  private definition(name: string): ValidateFunction {
    let v = this.compiled.get(name);
    if (!v) {
      const found = this.ajv.getSchema(`k8s#/definitions/${name}`);
      if (!found) throw new DeployError('SCHEMA_MISSING', `no definition ${name}`);
      v = found;
      this.compiled.set(name, v);
    }
    return v;
  }

  /** Every schema problem of one object; an unknown apiVersion/kind is a problem too. */
  validate(obj: K8sObject): SchemaProblem[] {
    const id = `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`;
    const key = `${obj.apiVersion}/${obj.kind}`;
    const builtin = this.builtin.get(key);
    if (builtin) {
      const v = this.definition(builtin);
      return v(obj) ? [] : problemsOf(v.errors, id);
    }
    const custom = this.custom.get(key);
    if (custom) {
      // a CRD schema leaves metadata open; the API server still checks it as ObjectMeta
      const meta = this.definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
      const problems = meta(obj.metadata) ? [] : problemsOf(meta.errors, id).map((p) => ({ ...p, path: `/metadata${p.path === '/' ? '' : p.path}` }));
      return custom(obj) ? problems : [...problems, ...problemsOf(custom.errors, id)];
    }
    return [{ object: id, path: '/apiVersion', message: `no schema for ${key} (Kubernetes ${this.kubernetesVersion} or the committed CRDs)` }];
  }
}
