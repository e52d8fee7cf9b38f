/**
 * @module What a benchmark ran on: CPU, memory, Node, OS, and the load of the machine while it
 * ran (other engineers run tests here concurrently; figures are only comparable with the load).
 */
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  os: string;
}

/** A description of this machine. */
export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free)`,
    node: process.version,
    os: `${osType()} ${release()}`,
  };
}

/** The 1-minute load average, sampled by {@link LoadSampler}. */
export class LoadSampler {
  private readonly samples: number[] = [loadavg()[0]!];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 5_000) {
    this.timer = setInterval(() => this.samples.push(loadavg()[0]!), intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; answers `min–max` of the 1-minute load average seen. */
  stop(): string {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]!);
    const low = Math.min(...this.samples).toFixed(1);
    const high = Math.max(...this.samples).toFixed(1);
    return low === high ? low : `${low}–${high}`;
  }
}
