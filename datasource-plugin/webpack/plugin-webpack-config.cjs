// The create-plugin build, reduced to what both Homeostat plugins need: one AMD dist/module.js that
// Grafana loads with SystemJS, Grafana's shared modules left as externals, plugin.json and images
// copied with %VERSION%/%TODAY% filled in. Shared by panel-plugin (it requires this file) so the two
// bundles can never drift apart in how they are loaded.
const path = require('node:path');
const fs = require('node:fs');
const CopyWebpackPlugin = require('copy-webpack-plugin');

/**
 * Modules Grafana provides at runtime (create-plugin's externals list). `react/jsx-runtime` is
 * deliberately absent: we compile with the classic JSX transform, so it is never imported, and
 * Grafana 11.6.0-11.6.10 does not share it.
 */
const EXTERNALS = [
  'lodash', 'jquery', 'moment', 'slate', 'emotion', '@emotion/react', '@emotion/css', 'prismjs',
  'slate-plain-serializer', '@grafana/slate-react', 'react', 'react-dom', 'react-redux', 'redux',
  'rxjs', 'rxjs/operators', 'i18next', 'react-router', 'd3', 'angular',
];
const EXTERNAL_PATTERNS = [/^@grafana\/ui/i, /^@grafana\/runtime/i, /^@grafana\/data/i];

function pluginWebpackConfig(rootDir) {
  const pluginJson = JSON.parse(fs.readFileSync(path.join(rootDir, 'src/plugin.json'), 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'));
  const today = new Date().toISOString().slice(0, 10);
  return {
    mode: 'production',
    context: rootDir,
    devtool: 'source-map',
    entry: { module: './src/module.ts' },
    target: 'web',
    output: {
      path: path.join(rootDir, 'dist'),
      filename: '[name].js',
      clean: true,
      library: { type: 'amd' },
      // Grafana serves a plugin's files under public/plugins/<id>/; chunks and images resolve from there.
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
    },
    externals: [
      { 'amd-module': 'module' },
      ...EXTERNALS,
      ...EXTERNAL_PATTERNS,
      ({ request }, cb) => (request && request.startsWith('grafana/') ? cb(undefined, request.slice(8)) : cb()),
    ],
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx'],
      alias: {
        // Wire shapes: compiled from source so a plugin never bundles a stale contracts/dist.
        '@homeostat/contracts$': path.join(rootDir, '../contracts/src/index.ts'),
      },
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2015',
                parser: { syntax: 'typescript', tsx: true },
                // Classic runtime: React.createElement, so dist/module.js never imports react/jsx-runtime.
                transform: { react: { runtime: 'classic' } },
              },
            },
          },
        },
        { test: /\.svg$/, type: 'asset/resource', generator: { filename: 'img/[name][ext]' } },
      ],
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          {
            from: 'src/plugin.json',
            to: '.',
            transform: (content) =>
              content.toString().replace(/%VERSION%/g, pkg.version).replace(/%TODAY%/g, today),
          },
          { from: 'README.md', to: '.', noErrorOnMissing: true },
          { from: 'CHANGELOG.md', to: '.', noErrorOnMissing: true },
          { from: '../LICENSE', to: '.', noErrorOnMissing: true },
          { from: 'src/img', to: 'img' },
        ],
      }),
    ],
    performance: { hints: false },
    optimization: { minimize: true },
  };
}

module.exports = { pluginWebpackConfig, EXTERNALS };
