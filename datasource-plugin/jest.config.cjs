module.exports = require('./jest/plugin-jest-config.cjs').pluginJestConfig(__dirname);
