import { loadKubeConfig } from '../src/actuators/kubernetes';
import { LeaseElector, type LeaseOptions } from '../src/leader/lease';
import { FakeKube } from './support/fake-kube';

jest.setTimeout(30_000);

const opts = {
  namespace: 'homeostat',
  leaseName: 'homeostat-remediator',
  leaseDurationSeconds: 1,
  renewSeconds: 0.2,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await sleep(20);
  expect(ok()).toBe(true);
}

/** Lease election against the fake API server with client-go's rules; each replica has its own clock. */
describe('Lease leader election', () => {
  let kube: FakeKube;
  beforeEach(async () => {
    kube = new FakeKube();
    await kube.start();
  });
  afterEach(() => kube.stop());

  const elector = (identity: string, o: Partial<LeaseOptions> = {}) =>
    new LeaseElector(loadKubeConfig(kube.kubeconfig), { ...opts, identity, ...o });

  it('with B’s clock 30 s ahead, B never takes over a Lease A keeps renewing: never two leaders', async () => {
    const a = elector('a');
    const b = elector('b', { now: () => Date.now() + 30_000 });
    expect(await a.tryAcquire()).toBe(true);
    for (let i = 0; i < 8; i++) {
      await sleep(150);
      await a.tryAcquire();
      await b.tryAcquire();
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    }
  });

  it('a leader whose renewals stop has stopped acting before anyone else may take over', async () => {
    const a = elector('a');
    const b = elector('b', { now: () => Date.now() - 30_000 });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    // A is partitioned: no more renewals. B keeps trying; at no instant do both act.
    let bWon = false;
    for (let i = 0; i < 30 && !bWon; i++) {
      await sleep(50);
      bWon = await b.tryAcquire();
      expect(a.isLeader() && b.isLeader()).toBe(false);
    }
    expect(bWon).toBe(true);
    expect(a.isLeader()).toBe(false);
  });

  it('stops acting at once when it finds another holder or a renewal fails', async () => {
    const a = elector('a');
    a.start();
    try {
      await waitUntil(() => a.isLeader());
      // another replica wrote the Lease (e.g. with a clock far ahead): the next round ends A's term
      kube.lease = {
        ...kube.lease!,
        spec: { ...kube.lease!.spec, holderIdentity: 'x', renewTime: new Date().toISOString() },
      };
      await sleep(450);
      expect(a.isLeader()).toBe(false);
      kube.lease = null;
      await waitUntil(() => a.isLeader());
      // the API server stops answering: the first failed renewal ends it, well before the lease duration
      kube.hang = true;
      await sleep(450);
      expect(a.isLeader()).toBe(false);
    } finally {
      kube.hang = false;
      await a.stop();
    }
  });

  it('releases the Lease on stop, so the next replica takes over without waiting for expiry', async () => {
    const a = elector('a', { leaseDurationSeconds: 60, renewSeconds: 1 });
    const b = elector('b', { leaseDurationSeconds: 60, renewSeconds: 1 });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(kube.lease?.spec).toMatchObject({ holderIdentity: 'b' });
  });

  it('refuses renewSeconds not below the renew deadline and the lease duration', () => {
    expect(() => elector('a', { leaseDurationSeconds: 5, renewSeconds: 5 })).toThrow(/renewSeconds/);
  });
});
