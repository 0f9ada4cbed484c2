// The job list: running and recent jobs of the project (of every window and
// process), kept up to date from `job` events and from `list_jobs`.

import type { JobInfo } from "../api/types";

/** Running jobs first, then the newest. */
export function sortJobs(jobs: JobInfo[]): JobInfo[] {
  return [...jobs].sort((a, b) => {
    const running = Number(b.status === "running") - Number(a.status === "running");
    return running !== 0 ? running : b.started_at.localeCompare(a.started_at);
  });
}

/** The list with `job` put in (replacing the same id), at most `limit` long. */
export function upsertJob(jobs: JobInfo[], job: JobInfo, limit = 50): JobInfo[] {
  const others = jobs.filter((j) => j.id !== job.id);
  return sortJobs([job, ...others]).slice(0, limit);
}

/**
 * A fresh list from `list_jobs`, keeping what events said of this process's
 * jobs when they are newer (an event can arrive before the list does).
 */
export function mergeJobs(current: JobInfo[], listed: JobInfo[]): JobInfo[] {
  const byId = new Map(listed.map((j) => [j.id, j]));
  for (const job of current) {
    const fresh = byId.get(job.id);
    if (fresh === undefined && job.status === "running" && job.mine) byId.set(job.id, job);
    if (fresh && fresh.status === "running" && job.status !== "running") byId.set(job.id, job);
  }
  return sortJobs([...byId.values()]);
}

/** How far a job is, from 0 to 1; undefined when it does not say. */
export function jobFraction(job: JobInfo): number | undefined {
  if (job.status !== "running") return 1;
  return job.total > 0 ? Math.min(1, job.done / job.total) : undefined;
}

/** The job's state in words: its stage while it runs, how it ended after. */
export function jobState(job: JobInfo): string {
  if (job.status === "running") {
    const stage = job.stage ?? "starting";
    return job.cancel_requested ? `${stage} · cancelling…` : stage;
  }
  return job.message ? `${job.status}: ${job.message}` : job.status;
}

export function runningCount(jobs: JobInfo[]): number {
  return jobs.filter((j) => j.status === "running").length;
}
