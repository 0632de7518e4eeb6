#!/usr/bin/env node
'use strict';
// The `homeostat-remediate` bin. npm links a workspace's bins when it installs, before `npm run build`
// has written dist/, so the bin is this committed file: it runs the built CLI, or says how to build it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(cli)) {
  process.stderr.write('homeostat-remediate: remediator/dist/cli/main.js is missing: run npm run build first\n');
  process.exit(1);
}
require(cli); // runs the CLI with process.argv
