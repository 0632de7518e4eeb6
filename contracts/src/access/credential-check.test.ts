import { createAccessGuard, createCredentialCheck, type AccessPolicy } from './credential-check';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
type Role = 'sender' | 'reader' | 'operator';
type Need = 'send' | 'read' | 'operate';
const policy: AccessPolicy<Role, Need> = {
  credentials: {
    bearer: { sender: ['send-1', 'send-2'], reader: ['read-1'], operator: ['op-1'] },
    basic: { sender: [{ username: 'am', password: 'pw:with:colons' }] },
  },
  grants: { sender: ['send'], reader: ['read'], operator: ['read', 'operate'] },
};
const outcomes = (check: ReturnType<typeof createCredentialCheck<Role, Need>>, h: string | undefined) =>
  (['send', 'read', 'operate'] as const).map((n) => check(h, n) ?? 'ok');

describe('createCredentialCheck', () => {
  const check = createCredentialCheck(policy);

  it.each([
    // header, send, read, operate
    ['Bearer send-1', 'ok', 'forbidden', 'forbidden'],
    ['bearer send-2', 'ok', 'forbidden', 'forbidden'],
    [basic('am', 'pw:with:colons'), 'ok', 'forbidden', 'forbidden'],
    ['Bearer read-1', 'forbidden', 'ok', 'forbidden'],
    ['Bearer op-1', 'forbidden', 'ok', 'ok'],
    [undefined, 'missing', 'missing', 'missing'],
    ['', 'missing', 'missing', 'missing'],
    ['Bearer', 'unknown', 'unknown', 'unknown'],
    ['Bearer read-', 'unknown', 'unknown', 'unknown'],
    ['Bearer read-1x', 'unknown', 'unknown', 'unknown'],
    ['Token read-1', 'unknown', 'unknown', 'unknown'],
    [basic('am', 'pw'), 'unknown', 'unknown', 'unknown'],
    // a bearer token is not accepted as a basic credential, nor the reverse
    [`Basic ${Buffer.from('read-1').toString('base64')}`, 'unknown', 'unknown', 'unknown'],
    ['Basic !!!', 'unknown', 'unknown', 'unknown'],
  ])('%s: send %s, read %s, operate %s', (h, send, read, operate) => {
    expect(outcomes(check, h)).toEqual([send, read, operate]);
  });

  it('lets the anonymous needs through without a credential, and nothing else', () => {
    const anon = createCredentialCheck({ ...policy, anonymous: ['read'] });
    expect(outcomes(anon, undefined)).toEqual(['missing', 'ok', 'missing']);
    expect(outcomes(anon, 'Bearer nope')).toEqual(['unknown', 'ok', 'unknown']);
  });

  it('refuses every request when no credential is configured, unless disabled', () => {
    const none: AccessPolicy<Role, Need> = {
      ...policy,
      credentials: { bearer: { sender: [], reader: [], operator: [] } },
    };
    expect(outcomes(createCredentialCheck(none), 'Bearer x')).toEqual(['unknown', 'unknown', 'unknown']);
    expect(outcomes(createCredentialCheck({ ...none, disabled: true }), undefined)).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('never matches an empty credential, even one a role holds by mistake', () => {
    const empty = createCredentialCheck({
      ...policy,
      credentials: { bearer: { sender: [''], reader: [], operator: [] } },
    });
    expect(outcomes(empty, 'Bearer ')).toEqual(['unknown', 'unknown', 'unknown']);
  });
});

describe('createAccessGuard', () => {
  class CodedError extends Error {
    constructor(
      readonly code: string,
      message: string,
    ) {
      super(message);
    }
  }
  const guard = createAccessGuard(
    policy,
    { send: 'a sender token', read: 'a reader token', operate: 'an operator token' },
    (code, message) => new CodedError(code, message),
  );
  const thrown = (h: string | undefined, need: Need | 'open') => {
    try {
      guard(h, need);
      return 'ok';
    } catch (e) {
      return `${(e as CodedError).code}: ${(e as CodedError).message}`;
    }
  };

  it("throws the service's own error: UNAUTHORIZED for no or an unknown credential, FORBIDDEN for another role", () => {
    expect(thrown(undefined, 'read')).toBe('UNAUTHORIZED: missing Authorization header: send a reader token');
    expect(thrown('Bearer nope', 'operate')).toBe(
      'UNAUTHORIZED: invalid credentials: send an operator token',
    );
    expect(thrown('Bearer read-1', 'operate')).toBe(
      'FORBIDDEN: this credential may not do this: send an operator token',
    );
    expect(thrown('Bearer op-1', 'operate')).toBe('ok');
  });

  it('lets open routes through whatever the header', () => {
    expect([thrown(undefined, 'open'), thrown('Bearer nope', 'open')]).toEqual(['ok', 'ok']);
  });
});
