import type { ContainerStats } from "../schemas/stats.js";

type EngineStats = {
  read: string;
  pids_stats?: { current?: number };
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { inactive_file?: number; cache?: number } };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
};

export type { EngineStats };

const round = (value: number) => Math.round(value * 100) / 100;

/** One stats sample, with CPU and memory computed the way `docker stats` computes them. */
export function toContainerStats(stats: EngineStats): ContainerStats {
  const cpu = stats.cpu_stats ?? {};
  const previous = stats.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (previous.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (previous.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus ?? 1;
  // Page cache is reclaimable, so `docker stats` leaves it out of "usage".
  const memory = stats.memory_stats ?? {};
  const cache = memory.stats?.inactive_file ?? memory.stats?.cache ?? 0;
  const usage = Math.max(0, (memory.usage ?? 0) - cache);
  const limit = memory.limit ?? 0;
  const io = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const sumIo = (op: string) =>
    io.filter((entry) => entry.op.toLowerCase() === op).reduce((total, entry) => total + entry.value, 0);
  const networks = Object.values(stats.networks ?? {});
  return {
    readAt: new Date(stats.read).toISOString(),
    cpuPercent: systemDelta > 0 && cpuDelta > 0 ? round((cpuDelta / systemDelta) * cpus * 100) : 0,
    onlineCpus: cpus,
    memory: { usageBytes: usage, limitBytes: limit, percent: limit > 0 ? round((usage / limit) * 100) : 0 },
    network: {
      rxBytes: networks.reduce((total, network) => total + (network.rx_bytes ?? 0), 0),
      txBytes: networks.reduce((total, network) => total + (network.tx_bytes ?? 0), 0),
    },
    blockIo: { readBytes: sumIo("read"), writeBytes: sumIo("write") },
    pids: stats.pids_stats?.current ?? 0,
  };
}
