import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { DeployError } from './errors';
import type { K8sObject } from './k8s-schema';

/**
 * Assembles a kustomization with the real kustomize built into kubectl (`kubectl kustomize`, no
 * cluster needed), so the objects checked are exactly what `kubectl apply -k` would send.
 */
export function kustomizeBuild(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new DeployError('TOOL_MISSING', 'kubectl not found: install kubectl (it carries kustomize)', { cause: e });
    throw new DeployError('TOOL_FAILED', `kubectl kustomize ${dir}: ${String(err.stderr ?? err.message).trim()}`, { cause: e });
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export const objectId = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

export function findObject<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string, name: string): T {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new DeployError('FILE_INVALID', `no ${kind}/${name} in the kustomize output`);
  return o as T;
}
