// Same jest setup as the datasource plugin (one copy, kept there).
module.exports = require('../datasource-plugin/jest/plugin-jest-config.cjs').pluginJestConfig(__dirname);
