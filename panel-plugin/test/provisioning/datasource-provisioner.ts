import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Grafana's datasource provisioning, reduced to what decides whether an install file touches what a
 * Grafana already has (pkg/services/provisioning/datasources: config_reader.go, datasources.go):
 * - all files are read first; more than one `isDefault` per org across them stops Grafana's start-up;
 * - each entry is looked up by **name** in its org (orgId 1 unless set): found → that datasource is
 *   updated with the file's fields, whatever it was; not found → inserted (a uid already taken in the
 *   org fails the insert);
 * - saving one with `isDefault: true` clears the flag on every other datasource of the org (the
 *   datasource store's default handling).
 */

export interface StoredDatasource {
  orgId: number;
  name: string;
  uid: string;
  type: string;
  url: string;
  access: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

interface FileEntry {
  name: string;
  orgId?: number;
  uid?: string;
  type: string;
  url?: string;
  access?: string;
  isDefault?: boolean;
  jsonData?: Record<string, unknown>;
}

export class ProvisioningError extends Error {}

export function provisionDatasources(existing: StoredDatasource[], files: string[]): StoredDatasource[] {
  const entries = files.flatMap((f) => ((parse(readFileSync(f, 'utf8')) as { datasources?: FileEntry[] }).datasources ?? []));
  const defaults = new Map<number, number>();
  for (const e of entries.filter((x) => x.isDefault)) {
    const org = e.orgId ?? 1;
    defaults.set(org, (defaults.get(org) ?? 0) + 1);
    if (defaults.get(org)! > 1) {
      throw new ProvisioningError('datasource.yaml config is invalid. Only one datasource per organization can be marked as default');
    }
  }
  let store = existing.map((d) => ({ ...d, jsonData: { ...d.jsonData } }));
  for (const e of entries) {
    const orgId = e.orgId ?? 1;
    const fields = {
      orgId,
      name: e.name,
      type: e.type,
      url: e.url ?? '',
      access: e.access ?? 'proxy',
      isDefault: Boolean(e.isDefault),
      jsonData: { ...(e.jsonData ?? {}) },
    };
    const found = store.find((d) => d.orgId === orgId && d.name === e.name);
    if (found) {
      Object.assign(found, fields, e.uid ? { uid: e.uid } : {});
    } else {
      const uid = e.uid ?? `generated-${store.length}`;
      if (store.some((d) => d.orgId === orgId && d.uid === uid)) {
        throw new ProvisioningError(`data source with the same uid already exists: ${uid}`);
      }
      store.push({ ...fields, uid });
    }
    if (e.isDefault) {
      store = store.map((d) => (d.orgId === orgId && d.name !== e.name ? { ...d, isDefault: false } : d));
    }
  }
  return store;
}
