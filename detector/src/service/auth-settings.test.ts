import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectorError } from '../errors';
import { readCredentials } from './auth-settings';
import { parseConfig } from './config';

const ok = { prometheus: { url: 'http://127.0.0.1:9090' }, detectors: [{ job: 'demo' }] };
const credentialsOf = (auth: unknown, baseDir = '/') =>
  readCredentials(parseConfig({ ...ok, auth }, baseDir).auth);

describe('readCredentials', () => {
  it('reads tokens from a value, a file relative to the config and the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'detector-auth-'));
    writeFileSync(join(dir, 'reader'), 'from-file\n');
    process.env.HOMEOSTAT_DETECTOR_TEST_TOKEN = 'from-env';
    try {
      const c = credentialsOf(
        {
          readerTokens: [{ file: 'reader' }, { value: 'inline' }],
          traceTokens: [{ env: 'HOMEOSTAT_DETECTOR_TEST_TOKEN' }],
          anonymousReads: true,
        },
        dir,
      );
      expect(c).toEqual({
        readerTokens: ['from-file', 'inline'],
        traceTokens: ['from-env'],
        anonymousReads: true,
        disabled: false,
      });
    } finally {
      delete process.env.HOMEOSTAT_DETECTOR_TEST_TOKEN;
    }
  });

  it.each([
    ['an unset variable', { readerTokens: [{ env: 'HOMEOSTAT_UNSET_TOKEN' }] }, 'auth.readerTokens.0.env'],
    ['a missing file', { traceTokens: [{ file: '/nonexistent/token' }] }, 'auth.traceTokens.0.file'],
  ])('refuses %s with INVALID_CONFIG naming %s', (_name, auth, field) => {
    expect.assertions(2);
    try {
      credentialsOf(auth);
    } catch (e) {
      expect(e).toBeInstanceOf(DetectorError);
      expect([(e as DetectorError).code, (e as DetectorError).field]).toEqual(['INVALID_CONFIG', field]);
    }
  });
});
