#!/usr/bin/env node
// Runs every workspace's jest suite in turn (integration suites start real Prometheus, Alertmanager,
// dockerd and Chromium; running them side by side on two cores makes them flaky), then prints one
// closing line that CI can read: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), 'homeostat-tests-'));
let passed = 0;
let failed = 0;
let broken = [];

for (const ws of pkg.workspaces) {
  if (only.length && !only.includes(ws)) continue;
  const wsPkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  if (!wsPkg.scripts?.test) continue;
  const report = join(out, `${ws}.json`);
  console.log(`\n=== ${wsPkg.name} ===`);
  const r = spawnSync('npm', ['run', 'test', '--', '--json', `--outputFile=${report}`], {
    cwd: join(root, ws),
    stdio: 'inherit',
  });
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    if (j.numFailedTestSuites > 0 || j.numRuntimeErrorTestSuites > 0) broken.push(ws);
  }
  if (r.status !== 0 && !broken.includes(ws)) broken.push(ws);
}

console.log(`\nworkspaces with failures: ${broken.length ? broken.join(', ') : 'none'}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(broken.length || failed ? 1 : 0);
