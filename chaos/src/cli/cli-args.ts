import { parseArgs } from 'node:util';
import { ChaosError } from '../errors';
import { LoadProfileName, ScenarioName } from '../experiment/experiment-schema';
import { FLEET_KINDS, type FleetKind } from '../stack/fleet';

export const DEFAULT_PATHS = ['/api/orders', '/api/payments', '/api/inventory', '/api/orders/42', '/api/inventory/sku-7'];

export interface RunArgs {
  command: 'run';
  scenarios: ScenarioName[];
  heal: ('on' | 'off')[];
  repeat: number;
  durationSeconds?: number;
  warmupSeconds?: number;
  load?: LoadProfileName;
  out?: string;
  paths: string[];
  quiet: boolean;
  fleet: FleetKind;
}

export interface ReportArgs {
  command: 'report';
  jtl: string[];
  from: string[];
  heal: boolean;
  profile?: LoadProfileName;
  faultStart?: number;
  faultEnd?: number;
  out?: string;
}

function positiveInt(v: string | undefined, flag: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ChaosError('INVALID_ARGUMENT', `--${flag} must be an integer 1..${max}, got "${v}"`, { field: flag });
  return n;
}

function time(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ChaosError('INVALID_ARGUMENT', `--${flag} must be Unix ms or an ISO time, got "${v}"`, { field: flag });
  return n;
}

function oneOf<T extends string>(v: string | undefined, flag: string, options: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!options.includes(v as T)) throw new ChaosError('INVALID_ARGUMENT', `--${flag} must be one of ${options.join(', ')}, got "${v}"`, { field: flag });
  return v as T;
}

/** `--fleet processes|docker` of every command that starts the stack (default: processes). */
export function fleetArg(v: string | undefined): FleetKind {
  return oneOf(v, 'fleet', FLEET_KINDS) ?? 'processes';
}

/** `npm run chaos -- --scenario <name|all> --heal on|off|both [...]` or `npm run chaos -- report --jtl FILE`. */
export function parseChaosArgs(argv: string[]): RunArgs | ReportArgs {
  const isReport = argv[0] === 'report';
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: isReport ? argv.slice(1) : argv,
      strict: true,
      options: {
        scenario: { type: 'string' },
        heal: { type: 'string' },
        repeat: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        load: { type: 'string' },
        out: { type: 'string' },
        paths: { type: 'string' },
        quiet: { type: 'boolean' },
        fleet: { type: 'string' },
        jtl: { type: 'string', multiple: true },
        from: { type: 'string', multiple: true },
        profile: { type: 'string' },
        'fault-start': { type: 'string' },
        'fault-end': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new ChaosError('INVALID_ARGUMENT', (e as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  if (isReport) {
    const jtl = (values.jtl as string[] | undefined) ?? [];
    const from = (values.from as string[] | undefined) ?? [];
    if (!jtl.length && !from.length) throw new ChaosError('INVALID_ARGUMENT', 'report needs --jtl FILE or --from run.json', { field: 'jtl' });
    const faultStart = time(str('fault-start'), 'fault-start');
    const faultEnd = time(str('fault-end'), 'fault-end');
    if ((faultStart === undefined) !== (faultEnd === undefined) || (faultStart !== undefined && faultEnd! <= faultStart)) {
      throw new ChaosError('INVALID_ARGUMENT', 'give both --fault-start and --fault-end, end after start', { field: 'fault-end' });
    }
    return {
      command: 'report',
      jtl,
      from,
      heal: (oneOf(str('heal'), 'heal', ['on', 'off'] as const) ?? 'off') === 'on',
      profile: oneOf(str('profile'), 'profile', LoadProfileName.options),
      faultStart,
      faultEnd,
      out: str('out'),
    };
  }
  const scenario = str('scenario');
  if (!scenario) throw new ChaosError('INVALID_ARGUMENT', `--scenario is required: one of ${ScenarioName.options.join(', ')}, or all`, { field: 'scenario' });
  const scenarios =
    scenario === 'all' ? [...ScenarioName.options] : scenario.split(',').map((s) => oneOf(s.trim(), 'scenario', ScenarioName.options) as ScenarioName);
  const heal = oneOf(str('heal') ?? 'off', 'heal', ['on', 'off', 'both'] as const)!;
  return {
    command: 'run',
    scenarios,
    heal: heal === 'both' ? ['off', 'on'] : [heal],
    repeat: positiveInt(str('repeat'), 'repeat', 100) ?? 1,
    durationSeconds: positiveInt(str('duration'), 'duration', 3600),
    warmupSeconds: positiveInt(str('warmup'), 'warmup', 3600),
    load: oneOf(str('load'), 'load', LoadProfileName.options),
    out: str('out'),
    paths: str('paths') ? str('paths')!.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_PATHS,
    quiet: values.quiet === true,
    fleet: fleetArg(str('fleet')),
  };
}
