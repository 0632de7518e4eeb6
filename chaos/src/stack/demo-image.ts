import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildNodeImage } from '@homeostat/testkit';
import { REPO_ROOT } from './repo-paths';
import { runtimeClosure } from './runtime-closure';

const run = promisify(execFile);

/** Tags of the demo backend image are `<repo>:<run id>`, so a run removes only its own (or a dead run's). */
export const IMAGE_REPO = 'homeostat-e2e/demo-backend';
/** The backend's CLI inside the image. */
export const IMAGE_ENTRY = '/app/demo/dist/bin/backend.js';

export const imageTag = (runId: string): string => `${IMAGE_REPO}:${runId}`;

/**
 * The demo image: node + its libraries (testkit's buildNodeImage, no pull), the built demo and
 * contracts, and the npm packages the demo needs at run time, laid out as in the repository.
 */
export async function buildDemoImage(tag: string): Promise<string> {
  const files: Record<string, string> = {
    '/app/demo/package.json': resolve(REPO_ROOT, 'demo/package.json'),
    '/app/demo/dist': resolve(REPO_ROOT, 'demo/dist'),
    '/app/node_modules/@homeostat/contracts/package.json': resolve(REPO_ROOT, 'contracts/package.json'),
    '/app/node_modules/@homeostat/contracts/dist': resolve(REPO_ROOT, 'contracts/dist'),
  };
  for (const rel of runtimeClosure(resolve(REPO_ROOT, 'demo'), REPO_ROOT, ['@homeostat/contracts'])) {
    files[`/app/${rel}`] = resolve(REPO_ROOT, rel);
  }
  return buildNodeImage({ tag, files, rebuild: true, env: { NODE_ENV: 'production' } });
}

export const removeImage = (tag: string): Promise<unknown> => run('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);
