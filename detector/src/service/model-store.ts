import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What is kept of one entity across restarts. `state` is the engine's StreamingDetector.toJSON(). */
export interface StoredEntity {
  detector: string;
  key: string;
  labels: Record<string, string>;
  /** Timestamp of the last point pushed into the model (the live loop resumes after it). */
  lastTimestamp: number | null;
  lastSeenAt: number;
  /** Fingerprint of the detector's config: a model trained on other queries is not reused. */
  configHash: string;
  state: unknown;
}

/**
 * One JSON file per entity under `<dataDir>/models/<detector>/`, written atomically (temp file +
 * rename) so a crash mid-write leaves the previous version. Files that fail to parse are skipped
 * and the entity starts cold, instead of the service failing to start.
 */
export class ModelStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'models');
    mkdirSync(this.root, { recursive: true });
  }

  save(e: StoredEntity): void {
    const dir = join(this.root, safeName(e.detector));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, fileName(e.key));
    writeFileSync(`${file}.tmp`, JSON.stringify(e));
    renameSync(`${file}.tmp`, file);
  }

  remove(detector: string, key: string): void {
    rmSync(join(this.root, safeName(detector), fileName(key)), { force: true });
  }

  /** Every readable stored entity of a detector; `onError` hears about the unreadable ones. */
  load(detector: string, onError: (file: string, e: unknown) => void = () => {}): StoredEntity[] {
    const dir = join(this.root, safeName(detector));
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    const out: StoredEntity[] = [];
    for (const f of files) {
      try {
        const e = JSON.parse(readFileSync(join(dir, f), 'utf8')) as StoredEntity;
        if (e.detector === detector && typeof e.key === 'string') out.push(e);
      } catch (err) {
        onError(join(dir, f), err);
      }
    }
    return out;
  }
}

function safeName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, '_');
}

function fileName(key: string): string {
  return `${createHash('sha1').update(key).digest('hex')}.json`;
}
