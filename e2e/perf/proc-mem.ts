import { readdirSync, readFileSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
  pssKb: number;
}

/** Every process this user can read: pid, parent, command line and proportional set size. */
function processes(): Proc[] {
  const procs: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const pss = /Pss:\s+(\d+)/.exec(readFileSync(`/proc/${name}/smaps_rollup`, 'utf8'));
      procs.push({ pid: Number(name), ppid, cmd, pssKb: pss ? Number(pss[1]) : 0 });
    } catch {
      // the process ended while we looked
    }
  }
  return procs;
}

/** Proportional set size (MiB, shared pages split fairly) of every process whose command line holds `marker`, plus all their descendants with --type=renderer. */
export function rendererRssMiB(marker: string): { rssMiB: number; largestMiB: number; processes: number } {
  const procs = processes();
  const roots = new Set(procs.filter((p) => p.cmd.includes(marker) && !p.cmd.includes('--type=')).map((p) => p.pid));
  const inTree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (inTree.has(p.pid) || !inTree.has(p.ppid)) continue;
      inTree.add(p.pid);
      grew = true;
    }
  }
  const renderers = procs.filter((p) => inTree.has(p.pid) && p.cmd.includes('--type=renderer'));
  return { rssMiB: renderers.reduce((s, p) => s + p.pssKb, 0) / 1024, largestMiB: Math.max(0, ...renderers.map((p) => p.pssKb)) / 1024, processes: renderers.length };
}

/** PSS (MiB) of the largest process whose command line holds `marker` (a host's temp dir: the tsx wrapper and the host itself), or 0. */
export function largestPssMiB(marker: string): number {
  return Math.max(0, ...processes().filter((p) => p.cmd.includes(marker)).map((p) => p.pssKb)) / 1024;
}
