#!/usr/bin/env node
'use strict';
// The `homeostat-detect` bin. npm links a workspace's bins when it installs, before `npm run build`
// has written dist/, so the bin is this committed file: it runs the built CLI, or says how to build it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write('homeostat-detect: detector/dist/cli/main.js is missing: run npm run build first\n');
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`homeostat-detect: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
