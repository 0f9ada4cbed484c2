// The desktop app's web view memory, read from /proc: the newest
// WebKitWebProcess (this session's web view), its proportional and resident
// set sizes in MiB, for the benchmarks that watch it.
import { readFileSync, readdirSync } from "node:fs";

export function webViewMemory() {
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "latin1");
      if (!command.includes("WebKitWebProcess")) continue;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "latin1");
      const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
      found.push({ pid: Number(pid), pss: kib("Pss") / 1024, rss: kib("Rss") / 1024 });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  // The newest one is this session's web view.
  return found.sort((a, b) => b.pid - a.pid)[0] ?? { pid: 0, pss: Number.NaN, rss: Number.NaN };
}

/** The web view's proportional set size, in MiB. */
export function pss() {
  return webViewMemory().pss;
}
