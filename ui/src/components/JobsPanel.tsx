// The jobs of the project: every import, sweep, evaluation, publish and
// fetch that is running or ran lately, in this window, another window, or a
// `datalab` command in a terminal; with progress, and Cancel for the
// running ones. Events keep this window's jobs current at once; the list is
// asked again every two seconds while the panel is open or a job runs, for
// the jobs of other processes.

import { useEffect, useState } from "preact/hooks";
import type { JobInfo } from "../api/types";
import { call, onEvent } from "../api/client";
import { jobFraction, jobState, mergeJobs, runningCount, upsertJob } from "../lib/jobs";
import { ApiErrorView, type Failure, failureOf, tid } from "./ApiError";

const POLL_MS = 2000;

export function JobsPanel() {
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [open, setOpen] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const running = runningCount(jobs);

  const refresh = () =>
    call("list_jobs", { limit: 50 })
      .then((listed) => setJobs((current) => mergeJobs(current, listed)))
      .catch((e: unknown) => setFailure(failureOf(e)));

  useEffect(() => {
    void refresh();
    return onEvent((event) => {
      if (event.kind === "job") setJobs((current) => upsertJob(current, event.job));
    });
  }, []);

  useEffect(() => {
    if (!open && running === 0) return;
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [open, running > 0]);

  const cancel = (job: JobInfo) => {
    // Acknowledged at once; the job stops within a second or so.
    setJobs((current) => upsertJob(current, { ...job, cancel_requested: true }));
    call("cancel_job", { job: job.id })
      .then((updated) => setJobs((current) => upsertJob(current, updated)))
      .catch((e: unknown) => setFailure(failureOf(e)));
  };

  return (
    <div class="jobs">
      <button class={running > 0 ? "tab active" : "tab"} {...tid("jobs-toggle")} onClick={() => setOpen(!open)}>
        Jobs{running > 0 ? ` · ${running} running` : ""}
      </button>
      {open && (
        <div class="jobs-panel" {...tid("jobs-panel")}>
          <ApiErrorView failure={failure} testId="jobs-error" />
          {jobs.length === 0 && <p class="muted">No jobs yet: imports, sweeps, evaluations and uploads show here.</p>}
          <ul class="job-list">
            {jobs.map((job) => {
              const fraction = jobFraction(job);
              return (
                <li {...tid(`job-${job.id}`)} data-status={job.status}>
                  <div class="row">
                    <strong class="grow">{job.label}</strong>
                    {job.status === "running" && (
                      <button {...tid(`job-cancel-${job.id}`)} disabled={job.cancel_requested} onClick={() => cancel(job)}>
                        {job.cancel_requested ? "Cancelling…" : "Cancel"}
                      </button>
                    )}
                  </div>
                  {job.status === "running" && (
                    <div class="progress">
                      <div class="bar" style={{ width: `${fraction === undefined ? 5 : Math.max(2, fraction * 100)}%` }} />
                    </div>
                  )}
                  <span class={`small status ${job.status}`}>{jobState(job)}</span>
                  <span class="muted small">
                    {job.mine ? "this window's process" : job.owner} · {job.started_at.slice(0, 19).replace("T", " ")}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
