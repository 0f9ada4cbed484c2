import { describe, expect, it } from "vitest";
import type { RunInfo } from "../src/api/types";
import { bestRun, differingParameters, filterRuns, headlineMetric, sharedMetrics, sortRuns } from "../src/lib/compare";

function run(id: number, model: string, params: Record<string, number | string>, accuracy: number, logLoss: number): RunInfo {
  return {
    id,
    experiment_id: 1,
    trial: id,
    model,
    params,
    status: "succeeded",
    error: null,
    wall_ms: 10 * id,
    cpu_ms: 10 * id,
    metrics: { accuracy: { mean: accuracy, std: 0.01 }, log_loss: { mean: logLoss, std: 0.02 } },
    started_at: null,
    finished_at: null,
  };
}

const runs = [
  run(1, "decision_tree", { max_depth: 1, split_quality: "gini" }, 0.66, 0.9),
  run(2, "decision_tree", { max_depth: 3, split_quality: "gini" }, 0.95, 0.3),
  run(3, "logistic_regression", { alpha: 0.01 }, 0.97, 0.1),
];

describe("comparison", () => {
  it("finds the parameters that differ and the metrics every run has", () => {
    expect([...differingParameters(runs.slice(0, 2))]).toEqual(["max_depth"]);
    expect([...differingParameters(runs)].sort()).toEqual(["alpha", "max_depth", "model", "split_quality"]);
    expect(sharedMetrics(runs)).toEqual(["accuracy", "log_loss"]);
    expect(headlineMetric(runs)).toBe("accuracy");
  });
  it("knows which way is better", () => {
    expect(bestRun(runs, "accuracy")).toBe(3);
    expect(bestRun(runs.slice(0, 2), "log_loss")).toBe(2);
  });
  it("sorts by metric or parameter and filters by text", () => {
    expect(sortRuns(runs, { column: "metric:accuracy", descending: false }).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(sortRuns(runs, { column: "max_depth", descending: true }).map((r) => r.id)).toEqual([2, 1, 3]);
    expect(filterRuns(runs, "LOGISTIC").map((r) => r.id)).toEqual([3]);
    expect(filterRuns(runs, "max_depth\":3").map((r) => r.id)).toEqual([2]);
  });
});
