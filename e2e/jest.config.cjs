module.exports = { ...require('../jest.preset.cjs'), rootDir: __dirname, roots: ['<rootDir>/src', '<rootDir>/test'].filter((d) => require('fs').existsSync(d.replace('<rootDir>', __dirname))) };
