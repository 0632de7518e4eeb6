// The other packages are used through their built dist (the root `npm run build` runs first in CI);
// @homeostat/contracts and @homeostat/testkit map to their sources like everywhere else.
module.exports = {
  ...require('../jest.preset.cjs'),
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  // both variants start daemons on a 2-core machine: one file at a time (npm test passes --runInBand)
  testTimeout: 600_000,
};
