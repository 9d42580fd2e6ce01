/**
 * Reads what every local user can see of a process tree (`/proc/<pid>/cmdline`, as `ps` shows
 * it) and what its owner can (`/proc/<pid>/environ`), for the secrets tests. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly argv: readonly string[];
  /** NAME=value entries; empty when the process is gone */
  readonly environ: readonly string[];
}

function ppidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function nulList(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\0')
      .filter((s) => s !== '');
  } catch {
    return [];
  }
}

/** Every live descendant of `root` (children, grandchildren, …). */
export function descendants(root: number): ProcInfo[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = ppidOf(Number(entry));
    if (ppid !== undefined) parent.set(Number(entry), ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; hops++) {
      if (p === root) return true;
      p = parent.get(p);
    }
    return false;
  };
  return [...parent.keys()].filter(inTree).map((pid) => ({
    pid,
    argv: nulList(`/proc/${pid}/cmdline`),
    environ: nulList(`/proc/${pid}/environ`),
  }));
}

/** True for an `observatory node …` process (after its exec, so argv and environ are its own). */
export function isNodeProcess(p: ProcInfo): boolean {
  const cli = p.argv.findIndex((a) => a.endsWith('observatory.mjs'));
  return cli >= 0 && p.argv[cli + 1] === 'node';
}
