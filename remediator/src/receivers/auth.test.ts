import { RemediatorError } from '../errors';
import { createAuthCheck } from './auth';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('createAuthCheck', () => {
  const check = createAuthCheck({
    disabled: false,
    bearerTokens: ['t0ken', 'second-token'],
    basic: [{ username: 'am', password: 'pw:with:colons' }],
  });

  it.each([['Bearer t0ken'], ['bearer second-token'], [basic('am', 'pw:with:colons')]])('accepts %s', (h) => {
    expect(() => check(h)).not.toThrow();
  });

  it.each([
    [undefined],
    [''],
    ['Bearer'],
    ['Bearer t0ke'],
    ['Bearer t0kenX'],
    ['Token t0ken'],
    [basic('am', 'pw')],
    [basic('x', 'pw:with:colons')],
    ['Basic !!!'],
  ])('refuses %s with UNAUTHORIZED naming authorization', (h) => {
    expect.assertions(2);
    try {
      check(h);
    } catch (e) {
      expect(e).toBeInstanceOf(RemediatorError);
      expect(e).toMatchObject({ code: 'UNAUTHORIZED', statusCode: 401, field: 'authorization' });
    }
  });

  it('refuses everything when no credentials are configured, unless explicitly disabled', () => {
    expect(() => createAuthCheck({ disabled: false, bearerTokens: [], basic: [] })('Bearer x')).toThrow(
      RemediatorError,
    );
    expect(() => createAuthCheck({ disabled: true, bearerTokens: [], basic: [] })(undefined)).not.toThrow();
  });
});
