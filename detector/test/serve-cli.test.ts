import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';
import { run } from '../src/cli/serve';

/** `homeostat-detect serve` refuses bad configs with a one-line message naming the key, and exit code 2. */
describe('serve CLI', () => {
  let stderr: string;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    stderr = '';
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  const write = (text: string) => {
    const f = join(makeTempDir('cfg'), 'detector.yml');
    writeFileSync(f, text);
    return f;
  };

  it.each([
    ['a missing key', 'detectors:\n  - job: demo\n', 'config prometheus:'],
    [
      'a wrongly typed value',
      'prometheus: { url: http://127.0.0.1:9090 }\ndetectors:\n  - job: demo\n    intervalSeconds: soon\n',
      'config detectors.0.intervalSeconds:',
    ],
    ['invalid YAML', 'prometheus: [\n', 'is not valid YAML'],
    [
      'the trace receiver without a trace sender token',
      'prometheus: { url: http://127.0.0.1:9090 }\ntraces: { enabled: true }\ndetectors:\n  - job: demo\n',
      'config auth.traceTokens:',
    ],
    [
      'a reader token file that does not exist',
      'prometheus: { url: http://127.0.0.1:9090 }\ndataDir: data\nauth: { readerTokens: [{ file: no-such-token }] }\ndetectors:\n  - job: demo\n',
      'config auth.readerTokens.0.file:',
    ],
  ])('exits 2 for %s', async (_n, text, expected) => {
    expect(await run(['--config', write(text)])).toBe(2);
    expect(stderr).toContain(expected);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 without --config and for a missing file', async () => {
    expect(await run([])).toBe(2);
    expect(stderr).toContain('--config is required');
    expect(await run(['--config', '/nonexistent/detector.yml'])).toBe(2);
    expect(stderr).toContain('cannot read config');
  });

  it('accepts the shipped example configs', async () => {
    const { loadConfigFile } = await import('../src/service/config');
    const fleet = loadConfigFile(join(__dirname, '..', 'examples', 'demo-fleet.yml'));
    expect(Object.keys(fleet.detectors[0].queries)).toEqual([
      'cpu',
      'memory',
      'latency_p95',
      'error_ratio',
      'request_rate',
      'disk',
    ]);
    const minimal = loadConfigFile(join(__dirname, '..', 'examples', 'minimal.yml'));
    expect(minimal.detectors[0].name).toBe('demo');
  });
});
