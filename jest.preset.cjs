// Shared jest settings: @swc/jest strips types fast (tsc does the type checking in `npm run build`),
// and workspace imports resolve to sources so tests never run against a stale dist/.
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true, decorators: false } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    '^@homeostat/contracts$': '<rootDir>/../contracts/src/index.ts',
    '^@homeostat/contracts/access$': '<rootDir>/../contracts/src/access/index.ts',
    '^@homeostat/testkit$': '<rootDir>/../testkit/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
