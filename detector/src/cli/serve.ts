import { DetectorError } from '../errors';
import { loadConfigFile } from '../service/config';
import { DetectorService } from '../service/detector-service';

const usage = 'usage: homeostat-detect serve --config detector.yml [--port N]';

function parseArgs(args: string[]): { config: string; port?: number } {
  let config: string | undefined;
  let port: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--config' || a === '-c') config = args[++i];
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a === '--port') port = Number(args[++i]);
    else if (a.startsWith('--port=')) port = Number(a.slice('--port='.length));
    else throw new DetectorError('INVALID_INPUT', `unknown option ${a}; ${usage}`, { field: a });
  }
  if (!config)
    throw new DetectorError('INVALID_INPUT', `--config is required; ${usage}`, { field: '--config' });
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new DetectorError('INVALID_INPUT', '--port must be an integer 0-65535', { field: '--port' });
  }
  return { config, port };
}

/**
 * `homeostat-detect serve --config FILE`: runs the detector service until SIGINT/SIGTERM, then
 * stops cleanly (models and events persisted). Returns 2 for bad arguments or config, 1 when the
 * service cannot start (e.g. port in use), 0 after a clean stop.
 */
export async function run(args: string[]): Promise<number> {
  let service: DetectorService;
  try {
    const { config: file, port } = parseArgs(args);
    const config = loadConfigFile(file);
    if (port !== undefined) config.server.port = port;
    service = new DetectorService(config);
  } catch (e) {
    process.stderr.write(`homeostat-detect serve: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  // A bug in one cycle must not take the scores down: log it and keep serving.
  const onStray = (err: unknown) => service.log.error({ err }, 'unhandled error (kept running)');
  process.on('unhandledRejection', onStray);
  try {
    await service.start();
  } catch (e) {
    process.stderr.write(
      `homeostat-detect serve: cannot start: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    await service.stop().catch(() => undefined);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      service.log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.stop();
  process.off('unhandledRejection', onStray);
  return 0;
}
