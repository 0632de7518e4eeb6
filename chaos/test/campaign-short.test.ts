import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CampaignRecording } from '../src/campaign/campaign-record';

/**
 * The issue's CI campaign: `npm run chaos -- campaign` as a user runs it (the built CLI), 4 faults
 * on the processes fleet with healing on and a fixed seed, asserting correctness only — every fault
 * healed as its scenario declares, no action on a service that was not faulted — never timings.
 *
 * The faults are drawn (with the seed) from the scenarios this stack heals reliably today, listed
 * here on purpose; chaos/README.md ("Campaign figures") says why each other scenario is left out
 * (they are measured, and missed, by the full campaign instead).
 */
const RELIABLE = ['crash'];
const SEED = '20261206';

describe('a short seeded campaign heals every fault and acts only on the faulted service', () => {
  const out = mkdtempSync(join(tmpdir(), 'chaos-campaign-'));
  let rec: CampaignRecording;
  let stdout = '';

  beforeAll(async () => {
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    const args = [main, 'campaign', '--seed', SEED, '--faults', '4', '--fleet', 'processes', '--heal', 'on'];
    args.push('--scenarios', RELIABLE.join(','), '--fault-seconds', '20-30', '--gap-seconds', '10-20', '--out', out, '--quiet');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // bounded: a campaign that hangs is stopped (SIGINT: the CLI stops every process it started)
    const timer = setTimeout(() => child.kill('SIGINT'), 560_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`chaos campaign exited ${code}: ${stderr.slice(-2000)}`);
    rec = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as CampaignRecording;
  }, 600_000);

  it('printed the plan first and ended with the target lines', () => {
    expect(stdout.startsWith(`campaign plan (seed ${SEED}, 4 faults):`)).toBe(true);
    expect(stdout).toMatch(/^target healing-success: .+ (met|missed)$/m);
    expect(stdout).toMatch(/^target false-actions: .+ (met|missed)$/m);
  });

  it('injected the four planned faults, each into the service the plan named', () => {
    const [side] = rec.sides;
    expect(side.heal).toBe(true);
    expect(side.faults.map((f) => [f.scenario, f.service])).toEqual(rec.plan.map((p) => [p.scenario, p.service]));
  });

  it('healed every fault as its scenario declares', () => {
    const outcomes = rec.sides[0].metrics.faults.map((f) => `#${f.index} ${f.scenario} on ${f.service}: ${f.healed ? 'healed' : `NOT healed (${f.why})`}`);
    expect(outcomes).toEqual(rec.plan.map((p) => `#${p.index} ${p.scenario} on ${p.service}: healed`));
  });

  it('took no action on a service that was not faulted, nor outside a fault', () => {
    const falseActions = rec.sides[0].metrics.falseActions.map((a) => `${a.action} on ${a.target}: ${a.why}`);
    expect(falseActions).toEqual([]);
  });
});
