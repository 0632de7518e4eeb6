import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigFile, parseConfig, type DetectorConfig } from '../src/service/config';
import { engineModels } from '../src/service/model-factory';

/**
 * Every detector config the project ships scores an entity within one training window of its first
 * point (a fresh stack has no history to read), and writes its ratios the way that survives a
 * numerator series that does not exist yet (docs/prometheus.md).
 */
const root = join(__dirname, '..', '..');

function k8sShards(): [string, DetectorConfig[]][] {
  const cm = parse(readFileSync(join(root, 'k8s', 'base', 'detector', 'configmap.yaml'), 'utf8')) as {
    data: Record<string, string>;
  };
  return Object.entries(cm.data).map(([name, text]) => [
    `k8s detector-config ${name}`,
    parseConfig(parse(text), '/').detectors,
  ]);
}

const shipped: [string, DetectorConfig[]][] = [
  [
    'detector/examples/demo-fleet.yml',
    loadConfigFile(join(root, 'detector', 'examples', 'demo-fleet.yml')).detectors,
  ],
  [
    'detector/examples/minimal.yml',
    loadConfigFile(join(root, 'detector', 'examples', 'minimal.yml')).detectors,
  ],
  [
    'provisioning/detector/detector.yml',
    loadConfigFile(join(root, 'provisioning', 'detector', 'detector.yml')).detectors,
  ],
  ...k8sShards(),
];
const detectors = shipped.flatMap(([file, ds]) =>
  ds.map((d) => [`${file}: ${d.name}`, d] as [string, DetectorConfig]),
);

describe.each(detectors)('%s', (_name, d) => {
  it('scores within one training window of its first point', () => {
    const model = engineModels.create(d, d.intervalSeconds, 'k');
    const features = Object.keys(d.queries);
    const window = Math.round(d.trainingWindowSeconds / d.intervalSeconds);
    const t0 = 1_800_000_000_000;
    let first = -1;
    for (let i = 0; i < window && first < 0; i++) {
      // smooth, a little noisy, different per feature: what a quiet service looks like
      const row = features.map((_, f) => 1 + f + 0.1 * Math.sin(i / (7 + f)) + 0.02 * Math.sin(i * 3.7 + f));
      if (model.push(t0 + i * d.intervalSeconds * 1000, row).score !== null) first = i;
    }
    expect({ first, window, scored: first >= 0 }).toEqual({ first, window, scored: true });
  });

  it('writes a ratio over an error series as (A or 0 * B) / B', () => {
    for (const q of Object.values(d.queries)) {
      if (/code=~?"5/.test(q) && q.includes(' / ')) expect(q).toContain(' or 0 * ');
    }
  });
});
