import { DetectorError } from '../../errors';
import { createAccessCheck, type Access, type Credentials } from './access-control';

const creds: Credentials = {
  readerTokens: ['reader', 'reader-2'],
  traceTokens: ['tracer'],
  anonymousReads: false,
  disabled: false,
};

function outcome(check: ReturnType<typeof createAccessCheck>, h: string | undefined, need: Access): string {
  try {
    check(h, need);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(DetectorError);
    expect((e as DetectorError).field).toBe('authorization');
    return `${(e as DetectorError).statusCode} ${(e as DetectorError).code}`;
  }
}

describe('createAccessCheck', () => {
  const check = createAccessCheck(creds);

  it.each([
    // header, read, traces
    ['Bearer reader', 'ok', '403 FORBIDDEN'],
    ['bearer reader-2', 'ok', '403 FORBIDDEN'],
    ['Bearer tracer', '403 FORBIDDEN', 'ok'],
    [undefined, '401 UNAUTHORIZED', '401 UNAUTHORIZED'],
    ['Bearer readerX', '401 UNAUTHORIZED', '401 UNAUTHORIZED'],
    ['Basic cmVhZGVy', '401 UNAUTHORIZED', '401 UNAUTHORIZED'],
  ])('%s: read %s, traces %s', (h, read, traces) => {
    expect([outcome(check, h, 'read'), outcome(check, h, 'traces')]).toEqual([read, traces]);
    expect(outcome(check, h, 'open')).toBe('ok');
  });

  it('opens reads only with anonymousReads, never the trace receiver; disabled opens everything', () => {
    const anon = createAccessCheck({ ...creds, anonymousReads: true });
    expect([outcome(anon, undefined, 'read'), outcome(anon, undefined, 'traces')]).toEqual([
      'ok',
      '401 UNAUTHORIZED',
    ]);
    const off = createAccessCheck({ ...creds, readerTokens: [], traceTokens: [], disabled: true });
    expect([outcome(off, undefined, 'read'), outcome(off, undefined, 'traces')]).toEqual(['ok', 'ok']);
  });
});
