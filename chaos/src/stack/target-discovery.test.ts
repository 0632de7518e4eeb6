import { fileSdTargets, upstreamTargets } from './target-discovery';

describe('upstreamTargets', () => {
  it.each([
    ['service -> urls', { orders: ['http://127.0.0.1:8101', 'http://127.0.0.1:8110'] }],
    ['under upstreams, as objects', { upstreams: { orders: [{ url: 'http://127.0.0.1:8101' }, { url: 'http://127.0.0.1:8110', weight: 1 }] } }],
    ['a list', [{ service: 'orders', url: 'http://127.0.0.1:8101' }, { service: 'orders', url: 'http://127.0.0.1:8110' }]],
  ])('%s', (_n, body) => {
    expect(upstreamTargets(body)).toEqual([
      { service: 'orders', address: '127.0.0.1:8101' },
      { service: 'orders', address: '127.0.0.1:8110' },
    ]);
  });

  it('ignores junk', () => {
    expect(upstreamTargets({ orders: [42, 'not a url'] })).toEqual([]);
    expect(upstreamTargets(null)).toEqual([]);
  });
});

it('file_sd groups carry the service label and drop duplicate addresses', () => {
  const json = JSON.parse(
    fileSdTargets([
      { service: 'orders', address: '127.0.0.1:1' },
      { service: 'orders', address: '127.0.0.1:1' },
      { service: 'gateway', address: '127.0.0.1:2' },
    ]),
  );
  expect(json).toEqual([
    { targets: ['127.0.0.1:1'], labels: { service: 'orders' } },
    { targets: ['127.0.0.1:2'], labels: { service: 'gateway' } },
  ]);
});

it('a container replica is labelled with its container name as well', () => {
  expect(JSON.parse(fileSdTargets([{ service: 'orders', address: '127.0.0.1:3', container: 'p-orders-1' }]))).toEqual([
    { targets: ['127.0.0.1:3'], labels: { service: 'orders', container: 'p-orders-1' } },
  ]);
});
