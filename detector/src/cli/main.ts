#!/usr/bin/env node
/**
 * `homeostat-detect <command>`: a small dispatcher. `serve` is loaded lazily so the replay CLI
 * starts fast and works even when the service's dependencies are absent.
 */
import { run as runRca } from './rca';
import { run as runReplay } from './replay';

type Command = (args: string[]) => Promise<number>;

const usage = `usage: homeostat-detect <command> [options]

commands:
  replay --input IN.csv --output OUT.csv [--config FILE [--detector NAME]]
                                           score a CSV causally, row by row, with the
                                           detector config's pipeline (its defaults without --config)
  rca --metrics METRICS.csv --graph EDGES.csv --from T [--top K] [--output OUT.csv]
                                           rank the likely root causes of the incident from T
                                           (long CSV timestamp,entity,metric,value; edges caller,callee)
  serve --config detector.yml                              run the detector service
`;

function loadServe(): Command | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./serve') as { run?: Command };
    return typeof mod.run === 'function' ? mod.run : null;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes('./serve')) return null;
    throw err;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'replay':
      return runReplay(args);
    case 'rca':
      return runRca(args);
    case 'serve': {
      const serve = loadServe();
      if (!serve) {
        process.stderr.write(
          'homeostat-detect: serve is not built yet (detector/src/cli/serve.ts is missing)\n',
        );
        return 2;
      }
      return serve(args);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`homeostat-detect: unknown command "${command}"\n${usage}`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`homeostat-detect: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
