import { describe, expect, it } from "vitest";
import type { RunInfo } from "../src/api/types";
import { foldTable, parseTag } from "../src/lib/runs";

const run = (metrics: RunInfo["metrics"]): RunInfo => ({
  id: 7,
  uuid: "0".repeat(32),
  origin: "catalog",
  name: null,
  experiment_id: 1,
  trial: 1,
  model: "decision_tree",
  params: { max_depth: 4 },
  status: "succeeded",
  error: null,
  wall_ms: 12,
  cpu_ms: 10,
  metrics,
  started_at: null,
  finished_at: null,
  rung: null,
});

describe("foldTable", () => {
  it("lays each metric out fold by fold beside the run's own mean and std", () => {
    const table = foldTable({
      run: run({ accuracy: { mean: 0.9, std: 0.05 }, f1_macro: { mean: 0.88, std: 0.04 } }),
      folds: [
        { accuracy: 0.95, f1_macro: 0.92 },
        { accuracy: 0.85, f1_macro: 0.84 },
      ],
    });
    expect(table.folds).toBe(2);
    expect(table.rows).toEqual([
      { metric: "accuracy", values: [0.95, 0.85], mean: 0.9, std: 0.05 },
      { metric: "f1_macro", values: [0.92, 0.84], mean: 0.88, std: 0.04 },
    ]);
  });

  it("keeps the finished folds of a stopped run, which has no summary", () => {
    const table = foldTable({ run: { ...run({}), status: "cancelled" }, folds: [{ r2: 0.5 }, { r2: 0.6, rmse: 1.2 }] });
    expect(table.rows).toEqual([
      { metric: "r2", values: [0.5, 0.6], mean: null, std: null },
      { metric: "rmse", values: [null, 1.2], mean: null, std: null },
    ]);
  });
});

describe("parseTag", () => {
  it("reads key=value, a bare key, and refuses no key", () => {
    expect(parseTag(" stage = candidate ")).toEqual({ key: "stage", value: "candidate" });
    expect(parseTag("baseline")).toEqual({ key: "baseline", value: "" });
    expect(parseTag("a=b=c")).toEqual({ key: "a", value: "b=c" });
    expect(parseTag("=x")).toBeNull();
    expect(parseTag("   ")).toBeNull();
  });
});
