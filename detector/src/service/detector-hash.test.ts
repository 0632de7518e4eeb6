import { parseConfig } from './config';
import { detectorHash } from './detector-hash';

const detector = (d: Record<string, unknown>) =>
  parseConfig({ prometheus: { url: 'http://127.0.0.1:9090' }, detectors: [d] }).detectors[0];

describe('detectorHash', () => {
  it('keeps the hash a detector had before settings it does not use existed, so its stored models load after an upgrade', () => {
    // Literal hashes of releases before rangeRule.minExcess: a change here starts every stored model cold
    expect(detectorHash(detector({ job: 'demo' }))).toBe('784446908582');
    expect(detectorHash(detector({ job: 'demo', pipeline: { rangeRule: { minExcess: {} } } }))).toBe(
      '784446908582',
    );
  });

  it('changes when a setting that changes the scores changes', () => {
    const base = detectorHash(detector({ job: 'demo' }));
    const withExcess = detectorHash(
      detector({ job: 'demo', pipeline: { rangeRule: { minExcess: { cpu: 0.5 } } } }),
    );
    expect(withExcess).not.toBe(base);
    expect(detectorHash(detector({ job: 'demo', sensitivity: 2 }))).not.toBe(base);
  });
});
