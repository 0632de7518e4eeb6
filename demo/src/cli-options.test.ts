import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendConfig } from './backend-config';
import { readOptions, type OptionSpec } from './cli-options';
import { GatewayConfig } from './gateway-config';

const backendSpecs: OptionSpec[] = [
  { key: 'service', type: 'string', env: 'HOMEOSTAT_SERVICE' },
  { key: 'port', type: 'number', env: 'PORT' },
  { key: 'cacheEnabled', type: 'boolean' },
];

describe('readOptions', () => {
  it('reads flags, falls back to env and applies defaults', () => {
    const c = readOptions(
      ['--service', 'payments', '--cache-enabled', 'false'],
      { PORT: '9000' },
      backendSpecs,
      BackendConfig,
    );
    expect(c).toMatchObject({
      service: 'payments',
      port: 9000,
      cacheEnabled: false,
      host: '127.0.0.1',
      workers: 16,
    });
  });

  it.each([
    [['--service', 'shipping'], /--service/],
    [['--service', 'orders', '--port', 'eighty'], /--port: "eighty" is not a number/],
    [['--service', 'orders', '--bogus', '1'], /bogus/],
    [[], /--service/],
  ])('%j fails naming the option', (argv, message) => {
    expect(() => readOptions(argv, {}, backendSpecs, BackendConfig)).toThrow(message);
  });

  it('collects repeated --upstream and validates each', () => {
    const specs: OptionSpec[] = [{ key: 'upstream', type: 'list', env: 'HOMEOSTAT_UPSTREAMS' }];
    const c = readOptions(
      ['--upstream', 'orders=http://a:1', '--upstream', 'orders=http://b:2'],
      {},
      specs,
      GatewayConfig,
    );
    expect(c.upstream).toEqual(['orders=http://a:1', 'orders=http://b:2']);
    expect(
      readOptions([], { HOMEOSTAT_UPSTREAMS: 'orders=http://a:1, payments=http://c:3' }, specs, GatewayConfig)
        .upstream,
    ).toHaveLength(2);
    expect(() => readOptions(['--upstream', 'orders'], {}, specs, GatewayConfig)).toThrow(
      /--upstream \(upstream.0\): expected service=value/,
    );
  });
});

describe('readOptions --config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-config-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('takes values from the file, below env and flags', () => {
    const f = file('ok.yml', 'service: inventory\nport: 9100\ncacheEnabled: false\n');
    expect(readOptions(['--config', f], {}, backendSpecs, BackendConfig)).toMatchObject({
      service: 'inventory',
      port: 9100,
      cacheEnabled: false,
    });
    expect(
      readOptions(['--config', f, '--port', '9200'], { PORT: '9300' }, backendSpecs, BackendConfig).port,
    ).toBe(9200);
    expect(readOptions([], { HOMEOSTAT_CONFIG: f, PORT: '9300' }, backendSpecs, BackendConfig).port).toBe(
      9300,
    );
  });

  it.each([
    ['bad-type.yml', 'service: orders\nport: high\n', /bad-type\.yml: port: /],
    ['unknown.yml', 'service: orders\nprot: 1\n', /unknown\.yml: prot: unknown option/],
    ['list.yml', '- a\n', /list\.yml: must be a mapping/],
    ['broken.yml', 'service: [\n', /broken\.yml: /],
  ])('%s fails naming the file and key', (name, text, message) => {
    expect(() => readOptions(['--config', file(name, text)], {}, backendSpecs, BackendConfig)).toThrow(
      message,
    );
  });
});
