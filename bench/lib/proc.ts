/** Resource use of a process, read from /proc (Linux), and facts about the machine. */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';

let clockTicks = 0;
function ticksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** A "<field>: <n> kB" line of /proc/<pid>/status, in bytes (NaN when absent). */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Resident set size in bytes. */
export const rssBytes = (pid: number): number => statusBytes(pid, 'VmRSS');

/** Peak resident set size (the kernel's VmHWM) in bytes: since the process started or resetPeakRss(). */
export const peakRssBytes = (pid: number): number => statusBytes(pid, 'VmHWM');

/** Sets the kernel's peak RSS record of a process to its current RSS (`5` into clear_refs, Linux 4.0+); false when refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * A process's CPU and RSS peak over a window. The peak is the kernel's own record, reset at
 * start(): exact, and the bench does not wake up during the window to sample it. A 200 ms sampler
 * is the fallback when the reset is refused.
 */
export class ProcessMeter {
  private timer: NodeJS.Timeout | null = null;
  private cpuStart = 0;
  private wallStart = 0;
  private kernelPeak = false;
  peakRss = 0;

  constructor(readonly pid: number) {}

  start(): void {
    this.cpuStart = cpuSeconds(this.pid);
    this.wallStart = performance.now();
    this.peakRss = rssBytes(this.pid);
    this.kernelPeak = resetPeakRss(this.pid);
    if (this.kernelPeak) return;
    this.timer = setInterval(() => {
      try {
        this.peakRss = Math.max(this.peakRss, rssBytes(this.pid));
      } catch {
        /* the process is gone; stop() reports what was seen */
      }
    }, 200);
  }

  /** CPU seconds used and wall seconds elapsed since start(), and the RSS peak in that time. */
  stop(): { cpuS: number; wallS: number; peakRss: number } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let cpu = NaN;
    try {
      cpu = cpuSeconds(this.pid);
      this.peakRss = Math.max(this.peakRss, this.kernelPeak ? peakRssBytes(this.pid) : rssBytes(this.pid));
    } catch {
      /* gone */
    }
    return { cpuS: cpu - this.cpuStart, wallS: (performance.now() - this.wallStart) / 1000, peakRss: this.peakRss };
  }
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  os: string;
  loadAvg: string;
  memGiB: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAvg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
