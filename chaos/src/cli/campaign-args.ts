import { parseArgs } from 'node:util';
import { ChaosError } from '../errors';
import { ScenarioName } from '../experiment/experiment-schema';
import type { FleetKind } from '../stack/fleet';
import { DEFAULT_PATHS, fleetArg } from './cli-args';

export interface CampaignArgs {
  command: 'campaign';
  seed: number;
  faults: number;
  fleet: FleetKind;
  /** Replicas per backend service at the start (processes fleet): 1 by default. */
  replicas: number;
  heal: ('on' | 'off')[];
  /** The pool the faults are drawn from: all eight unless --scenarios narrows it. */
  scenarios: ScenarioName[];
  /** --faults 0: the soak's length in seconds. */
  soakSeconds: number;
  faultSeconds: { min: number; max: number };
  gapSeconds: { min: number; max: number };
  warmupSeconds?: number;
  out?: string;
  paths: string[];
  quiet: boolean;
}

const bad = (field: string, msg: string) => new ChaosError('INVALID_ARGUMENT', `--${field} ${msg}`, { field });

function int(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw bad(flag, `must be an integer ${min}..${max}, got "${v}"`);
  return n;
}

function range(v: string | undefined, flag: string, def: { min: number; max: number }, lo: number, hi: number): { min: number; max: number } {
  if (v === undefined) return def;
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  const r = m ? { min: Number(m[1]), max: Number(m[2] ?? m[1]) } : null;
  if (!r || r.min < lo || r.max > hi || r.max < r.min) throw bad(flag, `must be SECONDS or MIN-MAX within ${lo}..${hi}, got "${v}"`);
  return r;
}

/** `npm run chaos -- campaign --seed S --faults N [--fleet processes|docker] [--heal on|off|both] [--duration S]`. */
export function parseCampaignArgs(argv: string[]): CampaignArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        seed: { type: 'string' },
        faults: { type: 'string' },
        fleet: { type: 'string' },
        stack: { type: 'string' },
        replicas: { type: 'string' },
        heal: { type: 'string' },
        duration: { type: 'string' },
        scenarios: { type: 'string' },
        'fault-seconds': { type: 'string' },
        'gap-seconds': { type: 'string' },
        warmup: { type: 'string' },
        out: { type: 'string' },
        paths: { type: 'string' },
        quiet: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new ChaosError('INVALID_ARGUMENT', (e as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  const seed = int(str('seed'), 'seed', 0, 2 ** 32 - 1);
  if (seed === undefined) throw bad('seed', 'is required (an integer; the same seed gives the same plan)');
  const faults = int(str('faults'), 'faults', 0, 500);
  if (faults === undefined) throw bad('faults', 'is required (0 for a soak of --duration seconds)');
  const heal = str('heal') ?? 'on';
  if (!['on', 'off', 'both'].includes(heal)) throw bad('heal', `must be one of on, off, both, got "${heal}"`);
  const duration = int(str('duration'), 'duration', 1, 6 * 3600);
  if (duration !== undefined && faults > 0) throw bad('duration', 'is the soak length of --faults 0; fault lengths are drawn (see --fault-seconds)');
  const scenarios = str('scenarios')
    ? str('scenarios')!.split(',').map((s) => {
        const r = ScenarioName.safeParse(s.trim());
        if (!r.success) throw bad('scenarios', `must list scenarios of ${ScenarioName.options.join(', ')}, got "${s}"`);
        return r.data;
      })
    : [...ScenarioName.options];
  const fleet = fleetArg(str('fleet') ?? str('stack'));
  const replicas = int(str('replicas'), 'replicas', 1, 3) ?? 1;
  if (replicas > 1 && fleet !== 'processes') throw bad('replicas', 'above 1 runs on the processes fleet only');
  return {
    command: 'campaign',
    seed,
    faults,
    fleet,
    replicas,
    heal: heal === 'both' ? ['off', 'on'] : [heal as 'on' | 'off'],
    scenarios,
    soakSeconds: faults === 0 ? (duration ?? 1800) : 0,
    faultSeconds: range(str('fault-seconds'), 'fault-seconds', { min: 30, max: 60 }, 5, 600),
    gapSeconds: range(str('gap-seconds'), 'gap-seconds', { min: 20, max: 40 }, 0, 600),
    warmupSeconds: int(str('warmup'), 'warmup', 0, 3600),
    out: str('out'),
    paths: str('paths') ? str('paths')!.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_PATHS,
    quiet: values.quiet === true,
  };
}
