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
