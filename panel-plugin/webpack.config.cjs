// One build for both plugins: the config lives with the datasource plugin (see its webpack/ folder).
module.exports = require('../datasource-plugin/webpack/plugin-webpack-config.cjs').pluginWebpackConfig(__dirname);
