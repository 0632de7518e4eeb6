import { RemediatorError } from '../errors';
import { createAccessCheck, type Access, type Credentials } from './access-control';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const creds: Credentials = {
  webhookTokens: ['hook', 'hook-2'],
  webhookBasic: [{ username: 'am', password: 'pw:with:colons' }],
  readerTokens: ['reader'],
  operatorTokens: ['operator'],
  anonymousReads: false,
  disabled: false,
};

function outcome(check: ReturnType<typeof createAccessCheck>, h: string | undefined, need: Access): string {
  try {
    check(h, need);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(RemediatorError);
    expect((e as RemediatorError).field).toBe('authorization');
    return String((e as RemediatorError).statusCode);
  }
}

describe('createAccessCheck', () => {
  const check = createAccessCheck(creds);

  it.each([
    // header, webhook, read, operate
    ['Bearer hook', 'ok', '403', '403'],
    ['bearer hook-2', 'ok', '403', '403'],
    [basic('am', 'pw:with:colons'), 'ok', '403', '403'],
    ['Bearer reader', '403', 'ok', '403'],
    ['Bearer operator', '403', 'ok', 'ok'],
    [undefined, '401', '401', '401'],
    ['', '401', '401', '401'],
    ['Bearer', '401', '401', '401'],
    ['Bearer hoo', '401', '401', '401'],
    ['Bearer operatorX', '401', '401', '401'],
    ['Token reader', '401', '401', '401'],
    [basic('am', 'pw'), '401', '401', '401'],
    ['Basic !!!', '401', '401', '401'],
  ])('%s: webhook %s, read %s, operate %s', (h, webhook, read, operate) => {
    expect([outcome(check, h, 'webhook'), outcome(check, h, 'read'), outcome(check, h, 'operate')]).toEqual([
      webhook,
      read,
      operate,
    ]);
  });

  it('opens reads only when anonymousReads says so; never writes', () => {
    const anon = createAccessCheck({ ...creds, anonymousReads: true });
    expect(outcome(anon, undefined, 'read')).toBe('ok');
    expect(outcome(anon, undefined, 'operate')).toBe('401');
    expect(outcome(anon, undefined, 'webhook')).toBe('401');
    expect(outcome(check, undefined, 'open')).toBe('ok');
  });

  it('refuses everything when no credentials are configured, unless explicitly disabled', () => {
    const none = { ...creds, webhookTokens: [], webhookBasic: [], readerTokens: [], operatorTokens: [] };
    for (const need of ['webhook', 'read', 'operate'] as const)
      expect(outcome(createAccessCheck(none), 'Bearer x', need)).toBe('401');
    expect(outcome(createAccessCheck({ ...none, disabled: true }), undefined, 'operate')).toBe('ok');
  });
});
