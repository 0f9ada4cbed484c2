// The desktop app's web view memory: the proportional set size of its
// WebKitWebProcess (the newest one), in MiB, for the memory probes.
import { readFileSync, readdirSync } from "node:fs";

export function pss() {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p)).sort((a, b) => b - a)) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("WebKitWebProcess")) continue;
      return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"))[1]) / 1024;
    } catch {}
  }
  return NaN;
}
