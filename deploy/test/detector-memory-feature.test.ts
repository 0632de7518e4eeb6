import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { K8sObject } from '../src/k8s-schema';
import { findObject, kustomizeBuild } from '../src/kustomize';
import { readYamlFile, repoPath } from '../src/repo';
import { runTool } from '../src/tools';

// The memory feature of every shipped detector config, evaluated by the real PromQL engine
// (`promtool test rules`) on replicas of known age and memory: the feature is the growth of a
// service's worst replica past its warm-up, so a scale-out (a second replica, a young one) is no
// new anomaly on a service just healed, and the policies' `top_feature: memory` rules see a leak only.
jest.setTimeout(60_000);

type DetectorFile = { detectors: { queries: Record<string, string> }[] };

const cm = findObject(
  kustomizeBuild(repoPath('k8s', 'base')),
  'ConfigMap',
  'detector-config',
) as K8sObject & {
  data: Record<string, string>;
};
const shipped: [string, DetectorFile][] = [
  [
    'provisioning/detector/detector.yml',
    readYamlFile<DetectorFile>('provisioning', 'detector', 'detector.yml'),
  ],
  ['detector/examples/demo-fleet.yml', readYamlFile<DetectorFile>('detector', 'examples', 'demo-fleet.yml')],
  ...Object.entries(cm.data).map(([name, text]): [string, DetectorFile] => [
    `k8s detector-config ${name}`,
    parse(text),
  ]),
];

/** `service=~"a|b"` in the query picks the services the input must use (a k8s shard's); else two of the fleet. */
function servicesOf(expr: string): [string, string] {
  const m = /service=~?"([^"|]+)\|([^"|]+)/.exec(expr);
  return m ? [m[1], m[2]] : ['orders', 'payments'];
}

const tmp = mkdtempSync(join(tmpdir(), 'homeostat-memory-feature-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * One replica: `start` is process_start_time_seconds (s from the test's epoch), memory begins at
 * `from` (s) with `bytes` and changes by `perSecond`; samples every 15 s for 65 minutes.
 */
function replica(
  service: string,
  instance: string,
  r: { start: number; from?: number; bytes: number; perSecond: number },
) {
  const step = 15;
  const steps = 260;
  const skip = Math.round((r.from ?? 0) / step);
  const gap = skip > 0 ? `_x${skip} ` : '';
  const labels = `job="demo",service="${service}",instance="${instance}"`;
  return [
    {
      series: `process_resident_memory_bytes{${labels}}`,
      values: `${gap}${r.bytes}${r.perSecond < 0 ? '-' : '+'}${Math.abs(r.perSecond * step)}x${steps - skip}`,
    },
    { series: `process_start_time_seconds{${labels}}`, values: `${gap}${r.start}x${steps - skip}` },
  ];
}

describe.each(shipped)('%s: memory', (file, config) => {
  const expr = config.detectors[0].queries.memory;
  const [a, b] = servicesOf(expr);
  // rounded to bytes/s: the regression's floating-point residue is not what is checked
  const q = `round(${expr})`;

  it('is one series per service: 0 for steady memory, the worst grown replica past its warm-up, a young replica left out until it is past it', () => {
    const unit = {
      rule_files: [],
      evaluation_interval: '15s',
      tests: [
        {
          interval: '15s',
          input_series: [
            // a: two long-lived replicas whose memory does not move
            ...replica(a, 'a-1', { start: 0, bytes: 50e6, perSecond: 0 }),
            ...replica(a, 'a-2', { start: 0, bytes: 70e6, perSecond: 0 }),
            // b: a long-lived replica leaking 100 kB/s, one shrinking (a GC: no fault), and a
            // replica a scale-out started at 50 m, growing 1 MB/s as a young Node process does
            ...replica(b, 'b-1', { start: 0, bytes: 60e6, perSecond: 100_000 }),
            ...replica(b, 'b-2', { start: 0, bytes: 90e6, perSecond: -20_000 }),
            ...replica(b, 'b-3', { start: 3000, from: 3000, bytes: 30e6, perSecond: 1_000_000 }),
          ],
          promql_expr_test: [
            {
              // the young replica is 60 s old: b's value is its leaking replica's growth
              expr: q,
              eval_time: '51m',
              exp_samples: [
                { labels: `{service="${a}"}`, value: 0 },
                { labels: `{service="${b}"}`, value: 100_000 },
              ],
            },
            {
              // 11 minutes later the replica that kept growing is past its warm-up and counts
              expr: q,
              eval_time: '61m',
              exp_samples: [
                { labels: `{service="${a}"}`, value: 0 },
                { labels: `{service="${b}"}`, value: 1_000_000 },
              ],
            },
          ],
        },
        {
          interval: '15s',
          input_series: [
            // a service whose only replica is young (just started or restarted): 0, not a gap
            ...replica(a, 'a-1', { start: 3000, from: 3000, bytes: 30e6, perSecond: 1_000_000 }),
            // memory given back (a GC, a cache emptied) is no leak: 0, not a negative growth
            ...replica(b, 'b-1', { start: 0, bytes: 90e6, perSecond: -20_000 }),
          ],
          promql_expr_test: [
            {
              expr: q,
              eval_time: '51m',
              exp_samples: [
                { labels: `{service="${a}"}`, value: 0 },
                { labels: `{service="${b}"}`, value: 0 },
              ],
            },
          ],
        },
      ],
    };
    const unitFile = join(tmp, `${file.replace(/[^a-z0-9]+/gi, '-')}.yml`);
    writeFileSync(unitFile, stringify(unit));
    const r = runTool('promtool', ['test', 'rules', unitFile], { install: 'the Debian package prometheus' });
    expect({ status: r.status, output: r.output }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS'),
    });
  });
});
