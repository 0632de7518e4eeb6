import { readFileSync } from 'node:fs';

/**
 * Who a process is, beyond its pid (which the kernel reuses): its start time in clock ticks since
 * boot and its command line, both from /proc. A pid file records them at spawn; a signal is only
 * ever sent to a pid whose identity still matches.
 */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat. */
  startTicks: string;
  argv: string[];
}

export function readIdentity(pid: number): ProcessIdentity | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: fields after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = rest[19]; // field 22 overall = 20th after the comm field and the state
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return startTicks ? { pid, startTicks, argv } : null;
  } catch {
    return null; // gone, or not Linux
  }
}

/** Whether `recorded` (from a pid file) is still the same process, not a reuse of its pid. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  const now = readIdentity(recorded.pid);
  return (
    now !== null &&
    now.startTicks === recorded.startTicks &&
    now.argv.length === recorded.argv.length &&
    now.argv.every((a, i) => a === recorded.argv[i])
  );
}

/** Parses a pid file; a bare number (older remediators) carries no identity and yields null. */
export function parsePidFile(text: string): ProcessIdentity | null {
  try {
    const v = JSON.parse(text) as Partial<ProcessIdentity>;
    if (
      typeof v === 'object' &&
      v &&
      typeof v.pid === 'number' &&
      typeof v.startTicks === 'string' &&
      Array.isArray(v.argv)
    )
      return { pid: v.pid, startTicks: v.startTicks, argv: v.argv.map(String) };
  } catch {
    // not JSON
  }
  return null;
}
