// Integration tests run the real binaries (node dist/bin/*.js), so build them first.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '..', 'tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
};
