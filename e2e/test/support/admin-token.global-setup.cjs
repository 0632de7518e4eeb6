// Children started with spawn() get the real process.env, not the copy jest gives each test file:
// chaos's startStack sets HOMEOSTAT_ADMIN_TOKEN inside the test (jest's copy), so the remediator it
// spawns would not see it. Setting it here, in jest's own process, reaches both.
const { randomBytes } = require('node:crypto');

module.exports = async () => {
  process.env.HOMEOSTAT_ADMIN_TOKEN ??= randomBytes(16).toString('hex');
};
