import type { Labels } from '@homeostat/contracts';

/**
 * Puts an alert into a real Alertmanager through its API v2 (as Prometheus would) and returns the
 * fingerprint Alertmanager gave it: the identity the webhook carries and verification reads back.
 */
export async function fireInAlertmanager(amUrl: string, labels: Labels): Promise<string> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, startsAt: new Date().toISOString() }]),
  });
  if (!res.ok) throw new Error(`alertmanager refused the alert: ${res.status}`);
  const all = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as {
    fingerprint: string;
    labels: Labels;
  }[];
  const mine = all.find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  if (!mine) throw new Error('alert not listed by alertmanager');
  return mine.fingerprint;
}

/** Resolves the alert (endsAt now), as Prometheus does once its expression stops matching. */
export async function resolveInAlertmanager(amUrl: string, labels: Labels): Promise<void> {
  const now = new Date().toISOString();
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: now }]),
  });
  if (!res.ok) throw new Error(`alertmanager refused the resolution: ${res.status}`);
}

export async function silences(
  amUrl: string,
): Promise<{ id: string; status: { state: string }; comment: string }[]> {
  return (await (await fetch(`${amUrl}/api/v2/silences`)).json()) as {
    id: string;
    status: { state: string };
    comment: string;
  }[];
}
