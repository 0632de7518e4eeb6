import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ChaosError } from '../errors';
import { Recording } from '../runner/run-record';
import { renderHtmlReport } from './html-report';

/** chaos/reports, whether running from src (jest) or dist (node). */
export const REPORTS_DIR = resolve(__dirname, '..', '..', 'reports');

/** A folder name that sorts by time and is safe on every file system. */
export function timestampDir(now = new Date()): string {
  return now.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
}

/** Writes run.json (the recording) and report.html next to it; returns their paths. */
export function writeReport(rec: Recording, dir = join(REPORTS_DIR, timestampDir())): { dir: string; json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'run.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, JSON.stringify(rec));
  writeFileSync(html, renderHtmlReport(rec));
  return { dir, json, html };
}

export function readRecording(file: string): Recording {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ChaosError('INVALID_RECORDING', `${file}: ${(e as Error).message}`, { field: 'from', cause: e });
  }
  const r = Recording.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.');
    throw new ChaosError('INVALID_RECORDING', `${file}: ${field}: ${issue.message}`, { field });
  }
  return r.data;
}
