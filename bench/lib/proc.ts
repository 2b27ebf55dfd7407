import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

let ticksPerSecond: number | undefined;
const SAMPLE_MS = 100;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Resident memory of a process from /proc (Linux), in MiB; undefined once it is gone. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: round1(kb('VmRSS') / 1024), peakRssMb: round1(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuSecondsOfStat(stat);
}

/** User + system CPU seconds in a `stat` line of /proc (a process's or a thread's). */
function cpuSecondsOfStat(stat: string): number {
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * CPU seconds (user + system) of a process's threads, summed by `group(name)` of each thread's
 * name; undefined once the process is gone. A thread that ended since an earlier reading is
 * missing from this one.
 */
export function threadCpuSecondsOf(pid: number, group: (name: string) => string): Record<string, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const seconds: Record<string, number> = {};
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = group(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    seconds[name] = (seconds[name] ?? 0) + cpuSecondsOfStat(stat);
  }
  return seconds;
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** CPU use over an interval, in cores kept busy on average (1.0 = one full core). */
export interface CpuWindow {
  /** Cores of the machine. */
  readonly cores: number;
  /** Busy on the whole machine. */
  readonly machine: number | undefined;
  /** Busy per watched process; `bench` is this process (the receiver and the producer). */
  readonly byProcess: Readonly<Record<string, number | undefined>>;
  /** Busy outside the watched processes: other work on the machine. */
  readonly others: number | undefined;
  /** CPU milliseconds of the dispatcher per delivery, when deliveries were counted. */
  readonly dispatcherCpuMsPerDelivery?: number;
}

/**
 * Starts measuring CPU use of the named processes; `end()` returns the averages since. A
 * process may exit before `end()` (the baseline client does): its use is then taken from
 * the last sample, at most `SAMPLE_MS` old.
 */
export function cpuWindow(pids: Readonly<Record<string, number | undefined>>): {
  end(deliveries?: number): CpuWindow;
} {
  const startedAt = performance.now();
  const read = () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : cpuSecondsOf(pid)]),
    );
  const start = read();
  const last = { ...start };
  const sampler = setInterval(() => {
    for (const [name, value] of Object.entries(read())) if (value !== undefined) last[name] = value;
  }, SAMPLE_MS);
  const benchStart = process.cpuUsage();
  const machineStart = machineTicks();
  return {
    end(deliveries) {
      clearInterval(sampler);
      const seconds = (performance.now() - startedAt) / 1000;
      const now = read();
      const used: Record<string, number | undefined> = {};
      for (const name of Object.keys(pids)) {
        const before = start[name];
        const after = now[name] ?? last[name];
        used[name] = before === undefined || after === undefined ? undefined : after - before;
      }
      const bench = process.cpuUsage(benchStart);
      used.bench = (bench.user + bench.system) / 1e6;
      const machineEnd = machineTicks();
      const cores = os.cpus().length;
      const machine =
        machineStart === undefined || machineEnd === undefined
          ? undefined
          : ((machineEnd.busy - machineStart.busy) / (machineEnd.total - machineStart.total)) * cores;
      const byProcess = Object.fromEntries(
        Object.entries(used).map(([name, cpu]) => [name, cpu === undefined ? undefined : round2(cpu / seconds)]),
      );
      const known = Object.values(used).reduce<number>((sum, cpu) => sum + (cpu ?? 0), 0) / seconds;
      const dispatcher = used.dispatcher;
      return {
        cores,
        machine: machine === undefined ? undefined : round2(machine),
        byProcess,
        others: machine === undefined ? undefined : round2(Math.max(0, machine - known)),
        ...(dispatcher !== undefined && deliveries !== undefined && deliveries > 0
          ? { dispatcherCpuMsPerDelivery: Math.round((dispatcher * 1e6) / deliveries) / 1000 }
          : {}),
      };
    },
  };
}

/** Cores busy on the whole machine over the next `ms` (what else runs here while we wait). */
export async function machineLoad(ms: number): Promise<number | undefined> {
  const window = cpuWindow({});
  await new Promise((resolve) => setTimeout(resolve, ms));
  return window.end().machine;
}

/**
 * The process listening on a local TCP port (the broker, the registry), found through
 * /proc/net/tcp{,6} and the socket links under /proc/<pid>/fd; undefined when not found.
 */
export function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex, st 0A is LISTEN, the inode is the tenth field.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9] !== undefined) inodes.add(`socket:[${f[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

/** Samples a process's RSS every `intervalMs`; `stop()` returns the highest sample. */
export function rssSampler(pid: number, intervalMs = 200): { stop(): number | undefined; readonly max: number } {
  let max = Number.NaN;
  const sample = () => {
    const mem = memoryOf(pid);
    if (mem !== undefined && (Number.isNaN(max) || mem.rssMb > max)) max = mem.rssMb;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    get max() {
      return max;
    },
    stop() {
      clearInterval(timer);
      sample();
      return Number.isNaN(max) ? undefined : max;
    },
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
