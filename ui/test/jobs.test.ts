import { describe, expect, it } from "vitest";
import type { JobInfo } from "../src/api/types";
import { jobFraction, jobState, mergeJobs, runningCount, upsertJob } from "../src/lib/jobs";

function job(id: string, patch: Partial<JobInfo> = {}): JobInfo {
  return {
    id,
    kind: "import",
    label: `import ${id}`,
    status: "running",
    stage: null,
    done: 0,
    total: 0,
    message: null,
    cancel_requested: false,
    owner: "host, pid 1",
    mine: true,
    experiment: null,
    evaluation: null,
    started_at: "2026-12-01T10:00:00.000Z",
    finished_at: null,
    ...patch,
  };
}

describe("the job list", () => {
  it("keeps running jobs first, then the newest, one entry per id", () => {
    let jobs = upsertJob([], job("a", { status: "succeeded", started_at: "2026-12-01T10:00:02.000Z" }));
    jobs = upsertJob(jobs, job("b", { started_at: "2026-12-01T10:00:01.000Z" }));
    jobs = upsertJob(jobs, job("c", { status: "failed", started_at: "2026-12-01T10:00:03.000Z" }));
    expect(jobs.map((j) => j.id)).toEqual(["b", "c", "a"]);
    jobs = upsertJob(jobs, job("b", { status: "cancelled" }));
    expect(jobs.map((j) => j.id)).toEqual(["c", "a", "b"]);
    expect(runningCount(jobs)).toBe(0);
  });

  it("does not let a stale list undo an end an event already told", () => {
    const ended = job("x", { status: "cancelled", message: "cancelled" });
    const merged = mergeJobs([ended, job("mine")], [job("x"), job("other", { mine: false })]);
    expect(merged.find((j) => j.id === "x")?.status).toBe("cancelled");
    // A job of this window the list has not caught up with yet stays shown.
    expect(merged.map((j) => j.id).sort()).toEqual(["mine", "other", "x"]);
  });

  it("says how far a job is, and that a cancel was asked", () => {
    expect(jobFraction(job("a", { done: 3, total: 4 }))).toBe(0.75);
    expect(jobFraction(job("a"))).toBeUndefined();
    expect(jobState(job("a", { stage: "checking", cancel_requested: true }))).toBe("checking · cancelling…");
    expect(jobState(job("a", { status: "failed", message: "no such file" }))).toBe("failed: no such file");
  });
});
