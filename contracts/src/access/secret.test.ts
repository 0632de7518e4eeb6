import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecret, Secret } from './secret';

describe('Secret', () => {
  it.each([[{}], [{ value: 'a', env: 'B' }], [{ value: '' }], [{ token: 'a' }]])('refuses %j', (s) => {
    expect(Secret.safeParse(s).success).toBe(false);
  });

  it('reads a value, a file relative to the config (trimmed) and an environment variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    writeFileSync(join(dir, 'token'), 's3cret\n');
    process.env.HOMEOSTAT_SECRET_TEST = 'from-env';
    expect(readSecret({ value: 'v' }, dir)).toEqual({ ok: true, value: 'v' });
    expect(readSecret({ file: 'token' }, dir)).toEqual({ ok: true, value: 's3cret' });
    expect(readSecret({ env: 'HOMEOSTAT_SECRET_TEST' }, dir)).toEqual({ ok: true, value: 'from-env' });
    delete process.env.HOMEOSTAT_SECRET_TEST;
  });

  it('names the key at fault when a file is missing or empty, or a variable unset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    writeFileSync(join(dir, 'empty'), '\n');
    expect(readSecret({ file: 'absent' }, dir)).toMatchObject({ ok: false, key: 'file' });
    expect(readSecret({ file: 'empty' }, dir)).toMatchObject({ ok: false, key: 'file' });
    expect(readSecret({ env: 'HOMEOSTAT_SECRET_UNSET' }, dir)).toMatchObject({ ok: false, key: 'env' });
  });
});
