import { parseEntityKey, parseVariableQuery } from './variable-query';

describe('parseVariableQuery', () => {
  it.each([
    ['detectors()', { kind: 'detectors' }],
    [' detectors( ) ', { kind: 'detectors' }],
    ['entities(services)', { kind: 'entities', detector: 'services' }],
    ['entities(services, service)', { kind: 'entities', detector: 'services', label: 'service' }],
    ['entities( demo:jobs ,instance )', { kind: 'entities', detector: 'demo:jobs', label: 'instance' }],
  ])('reads %s', (text, expected) => {
    expect(parseVariableQuery(text)).toEqual(expected);
  });

  it.each(['', 'services', 'entities()', 'entities(a, 1bad)', 'detectors(x)'])('rejects "%s" naming the syntax', (text) => {
    expect(() => parseVariableQuery(text)).toThrow(/detectors\(\), entities/);
  });
});

describe('parseEntityKey', () => {
  it.each([
    ['service="orders"', { service: 'orders' }],
    ['service="orders",instance="127.0.0.1:8101"', { service: 'orders', instance: '127.0.0.1:8101' }],
    ['path="a\\"b"', { path: 'a"b' }],
    ['', {}],
  ])('reads %s', (key, labels) => {
    expect(parseEntityKey(key)).toEqual(labels);
  });
});
