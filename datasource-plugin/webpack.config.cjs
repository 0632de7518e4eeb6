module.exports = require('./webpack/plugin-webpack-config.cjs').pluginWebpackConfig(__dirname);
