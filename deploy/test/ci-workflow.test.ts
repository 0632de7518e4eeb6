import { readYamlFile } from '../src/repo';

// The fork CI must run the project's own entry point, as root, within the 90-minute budget, with
// the tools .ci/run does not install itself (git for the checkout, Node.js 20 + npm 11, kubectl).
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
const wf = readYamlFile<{ on: Record<string, unknown>; jobs: Record<string, { 'runs-on': string; 'timeout-minutes': number; container?: { image: string; options?: string }; steps: Step[] }> }>(
  '.github',
  'workflows',
  'ci.yml',
);
const job = wf.jobs.ci;

describe('.github/workflows/ci.yml', () => {
  it('runs on pushes and pull requests', () => {
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('runs bash .ci/run as root on Debian (privileged container: apt-get and its own dockerd), within 90 minutes', () => {
    expect(job.container?.image).toMatch(/^debian:bookworm/);
    expect(job.container?.options).toContain('--privileged');
    expect(job['timeout-minutes']).toBeLessThanOrEqual(90);
    expect(job.steps.map((s) => s.run?.trim())).toContain('bash .ci/run');
  });

  it('sets up what .ci/run expects before it: checkout, Node.js 20, npm 11, kubectl', () => {
    const uses = job.steps.map((s) => s.uses ?? '');
    const at = (prefix: string) => uses.findIndex((u) => u.startsWith(prefix));
    const run = job.steps.findIndex((s) => s.run?.trim() === 'bash .ci/run');
    for (const a of ['actions/checkout@', 'actions/setup-node@', 'azure/setup-kubectl@']) {
      expect([a, at(a) >= 0 && at(a) < run]).toEqual([a, true]);
    }
    expect(job.steps[at('actions/setup-node@')].with?.['node-version']).toBe(20);
    expect(job.steps.some((s) => /npm install -g npm@11/.test(s.run ?? ''))).toBe(true);
  });
});
