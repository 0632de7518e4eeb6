#!/usr/bin/env node
// `npm run demo`: the one-command self-healing story on a fresh machine. Installs what it can
// (npm dependencies; Debian's prometheus and alertmanager when running as root on Debian), builds,
// then runs the story (normal load -> CPU spike -> scale out -> crash -> restart -> latency -> shift/cache)
// on chaos's one stack (chaos/src/stack): Prometheus, Alertmanager, the detector and the remediator as
// local processes, the demo fleet as local processes or, with `npm run demo -- --fleet docker`, as Docker
// containers. Ctrl-C stops every process the story started (and removes its containers).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}
function run(cmd, argv, what) {
  console.log(`demo: ${what}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

const needed = [
  ['prometheus', 'prometheus'],
  ['prometheus-alertmanager', 'prometheus-alertmanager'],
];
const missing = needed.filter(([bin]) => !has(bin)).map(([, pkg]) => pkg);
if (missing.length) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && has('apt-get')) {
    run('apt-get', ['update', '-qq'], 'apt-get update');
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], `installing ${missing.join(' ')}`);
  } else {
    console.error(
      `demo: needs ${missing.join(' and ')} on PATH: install them (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}), ` +
        'or run the whole stack with `docker compose up` (see README).',
    );
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) run('npm', ['ci'], 'installing npm dependencies');
run('npm', ['run', 'build', '--silent'], 'building');

// The story handles SIGINT itself and stops everything it started; Ctrl-C reaches it through the
// terminal's process group, so this wrapper only waits for it to finish its clean-up.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const story = spawnSync('node', [join(root, 'chaos', 'dist', 'demo-story.js'), ...args], { cwd: root, stdio: 'inherit' });
process.exit(story.status ?? 1);
