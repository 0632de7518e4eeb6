module.exports = {
  ...require('../jest.preset.cjs'),
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/test'].filter((d) => require('fs').existsSync(d.replace('<rootDir>', __dirname))),
  // integration tests spawn node dist/bin/*.js: build once before the run
  globalSetup: '<rootDir>/test/global-setup.cjs',
};
