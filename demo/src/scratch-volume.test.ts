import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DemoError } from './errors';
import { ScratchVolume } from './scratch-volume';

const MiB = 1024 * 1024;
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'scratch-volume-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ScratchVolume', () => {
  it('reads 0 when empty and counts every file under it, in subdirectories too, whoever wrote it', async () => {
    const v = ScratchVolume.open(join(root, 'vol'), 'orders');
    expect(await v.usedBytes()).toBe(0);
    writeFileSync(join(v.dir, 'a.bin'), Buffer.alloc(2 * MiB, 1));
    mkdirSync(join(v.dir, 'nested'));
    writeFileSync(join(v.dir, 'nested', 'b.bin'), Buffer.alloc(1 * MiB, 1));
    const used = await v.usedBytes();
    expect(used).toBeGreaterThanOrEqual(3 * MiB);
    // no more than the files plus a few blocks of directory metadata
    expect(used).toBeLessThan(3 * MiB + 64 * 1024);
    rmSync(join(v.dir, 'a.bin'));
    rmSync(join(v.dir, 'nested'), { recursive: true });
    expect(await v.usedBytes()).toBe(0);
  });

  it('leaves a configured dir and its files in place on close', async () => {
    const dir = join(root, 'kept');
    const v = ScratchVolume.open(dir, 'orders');
    writeFileSync(join(dir, 'a.bin'), 'x');
    v.close();
    expect(existsSync(join(dir, 'a.bin'))).toBe(true);
  });

  it('without a dir, makes a fresh one per process named after the service and removes it on close', async () => {
    const a = ScratchVolume.open(undefined, 'inventory');
    const b = ScratchVolume.open(undefined, 'inventory');
    try {
      expect(a.dir).not.toBe(b.dir);
      expect(basename(a.dir)).toMatch(/^homeostat-scratch-inventory-/);
      writeFileSync(join(a.dir, 'a.bin'), Buffer.alloc(MiB, 1));
      expect(await a.usedBytes()).toBeGreaterThanOrEqual(MiB);
      expect(await b.usedBytes()).toBe(0);
    } finally {
      a.close();
      b.close();
    }
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir)).toBe(false);
  });

  it('refuses a dir it cannot create, naming scratchDir', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect.assertions(2);
    try {
      ScratchVolume.open(join(file, 'vol'), 'orders');
    } catch (e) {
      expect(e).toBeInstanceOf(DemoError);
      expect(e).toMatchObject({ code: 'BAD_CONFIG', field: 'scratchDir' });
    }
  });
});
