/**
 * CPU time the servers under test spend per request: the workerd processes
 * this process started (Miniflare spawns one per worker), read from
 * /proc/<pid>/stat (utime + stime, proc(5)). Unlike req/s, this barely moves
 * when other jobs share the machine, so it prices each part of a request even
 * on a busy host. Linux only; elsewhere nothing is reported.
 */
import { readdirSync, readFileSync } from "node:fs";

/** proc(5): utime and stime are in clock ticks; Linux's USER_HZ is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** Clock ticks used so far by each server process. */
  readonly ticks: ReadonlyMap<number, number>;
}

/** The workerd children of this process and their CPU so far; undefined where /proc is absent. */
export function serverCpuSnapshot(): CpuSnapshot | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const ticks = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.command === "workerd" && stat.parent === process.pid) ticks.set(Number(entry), stat.ticks);
  }
  return { ticks };
}

/** Server CPU µs per request between `before` and now (processes that ended since count what they had). */
export function cpuMicrosPerRequest(before: CpuSnapshot | undefined, requests: number): number | undefined {
  if (!before || before.ticks.size === 0 || requests <= 0) return undefined;
  let used = 0;
  for (const [pid, start] of before.ticks) used += (readStat(pid)?.ticks ?? start) - start;
  return (used / CLOCK_TICKS_PER_SECOND / requests) * 1e6;
}

function readStat(pid: number): { command: string; parent: number; ticks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // The process ended between listing and reading.
    return undefined;
  }
  // proc(5): "pid (comm) state ppid …"; comm may contain spaces and parentheses, so split after the last ")".
  const close = text.lastIndexOf(")");
  const command = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // After comm: [0] state, [1] ppid, … [11] utime, [12] stime.
  return { command, parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}
