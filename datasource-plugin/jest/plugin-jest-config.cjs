// Jest for both plugins (panel-plugin requires this file): components render in jsdom with
// Testing Library; test/*.test.ts (static checks, headless Chromium) opt into the node environment
// with a docblock. Grafana's packages ship some ESM (d3, ol, marked...), which swc transpiles.
const path = require('node:path');

const ESM_DEPS = [
  '@grafana/schema', 'd3', 'd3-[a-z-]+', 'delaunator', 'internmap', 'robust-predicates', 'ol', 'marked',
  'rxjs', 'uuid', 'react-colorful', 'yaml', '@wojtekmaj', 'get-user-locale', 'memoize', 'mimic-function',
  'systemjs', 'react-calendar', 'lodash-es', 'earcut', 'quickselect', 'rbush', 'pbf', 'geotiff',
];

function pluginJestConfig(rootDir) {
  process.env.TZ = 'UTC';
  return {
    rootDir,
    testEnvironment: 'jsdom',
    testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}', '<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    transform: {
      '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2022',
            parser: { syntax: 'typescript', tsx: true },
            transform: { react: { runtime: 'classic' } },
          },
          module: { type: 'commonjs' },
        },
      ],
    },
    transformIgnorePatterns: [`node_modules/(?!(${ESM_DEPS.join('|')})/)`],
    moduleNameMapper: {
      '^@homeostat/contracts$': path.join(rootDir, '../contracts/src/index.ts'),
      '^@homeostat/testkit$': path.join(rootDir, '../testkit/src/index.ts'),
      '\\.(css|scss|sass)$': 'identity-obj-proxy',
      '^react-inlinesvg$': path.join(__dirname, 'inline-svg-mock.cjs'),
    },
    setupFilesAfterEnv: [path.join(__dirname, 'setup.cjs')],
  };
}

module.exports = { pluginJestConfig };
