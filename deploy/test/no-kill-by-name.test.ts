import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT, repoPath } from '../src/repo';

// Scripts and tests stop only what they started: by the PID they hold, or through the init system
// for a packaged unit (`service prometheus stop`). Ending processes by name also ends a developer's
// own Prometheus or another test run's, so no tracked file may do it.
const SELF = relative(ROOT, __filename).split('\\').join('/');
const BY_NAME = /\b(pkill|killall)\b/;

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((f) => f && f !== SELF);
}

describe('processes are stopped by PID, never by name', () => {
  it('no tracked file uses pkill or killall', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const f of files) {
      const path = repoPath(f);
      if (!existsSync(path) || !statSync(path).isFile()) continue; // deleted in the work tree, not yet committed
      const text = readFileSync(path);
      if (text.includes(0)) continue; // binary
      text
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          if (BY_NAME.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
