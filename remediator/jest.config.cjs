const fs = require('fs');
const preset = require('../jest.preset.cjs');
// @kubernetes/client-node 1.4 and some of its dependencies ship ESM only; jest's CommonJS runtime
// cannot load them, so swc transpiles those node_modules too (everything else stays untransformed).
// (cookie: light-my-request, behind fastify's inject(), uses its ESM build.)
const esmOnly = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'hpagent', 'node-fetch', 'cookie'];
module.exports = {
  ...preset,
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/test'].filter((d) => fs.existsSync(d.replace('<rootDir>', __dirname))),
  transform: { ...preset.transform, '^.+\\.m?js$': preset.transform['^.+\\.(t|j)sx?$'] },
  // The process actuator test drives the real demo gateway (its admin API) in-process.
  moduleNameMapper: { ...preset.moduleNameMapper, '^@homeostat/demo$': '<rootDir>/../demo/src/index.ts' },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};
