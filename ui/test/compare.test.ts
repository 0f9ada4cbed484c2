import { describe, expect, it } from "vitest";
import type { RunInfo } from "../src/api/types";
import { bestRun, comparable, differingParameters, headlineMetric, searchProgress, sharedMetrics } from "../src/lib/compare";

function run(id: number, model: string, params: Record<string, number | string>, accuracy: number, logLoss: number): RunInfo {
  return {
    id,
    uuid: id.toString(16).padStart(32, "0"),
    origin: "catalog",
    name: null,
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
    rung: null,
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
  it("leads with the metric most runs have", () => {
    const regression = { ...run(4, "linear_regression", {}, 0, 0), metrics: { r2: { mean: 0.9, std: 0 } } };
    expect(headlineMetric([regression, ...runs])).toBe("accuracy");
    expect(headlineMetric([regression])).toBe("r2");
  });
  it("knows which way is better", () => {
    expect(bestRun(runs, "accuracy")).toBe(3);
    expect(bestRun(runs.slice(0, 2), "log_loss")).toBe(2);
  });
});

describe("search progress", () => {
  const pruned = (id: number, accuracy: number): RunInfo => ({ ...run(id, "gradient_boosting", {}, accuracy, 0.5), status: "pruned", rung: 1 });
  const trials = [run(1, "gradient_boosting", {}, 0.8, 0.5), pruned(2, 0.99), run(3, "gradient_boosting", {}, 0.85, 0.4), run(4, "gradient_boosting", {}, 0.82, 0.45)];
  it("keeps the best finished trial so far, never a pruned one", () => {
    const points = searchProgress([...trials].reverse(), "accuracy");
    expect(points.map((p) => p.trial)).toEqual([1, 2, 3, 4]);
    expect(points.map((p) => p.best)).toEqual([0.8, 0.8, 0.85, 0.85]);
    expect(points[1]).toMatchObject({ status: "pruned", value: 0.99 });
    // Lower is better for a loss.
    expect(searchProgress(trials, "log_loss").map((p) => p.best)).toEqual([0.5, 0.5, 0.4, 0.4]);
  });
  it("never marks a pruned run best, even with the higher partial score", () => {
    expect(bestRun(trials, "accuracy")).toBe(3);
  });
});

describe("comparable", () => {
  it("leaves a failed run out instead of emptying the comparison", () => {
    const failed: RunInfo = { ...run(4, "svm", {}, 0, 0), status: "failed", error: "did not converge", metrics: {} };
    const { scored, leftOut } = comparable([...runs, failed]);
    expect(scored.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(leftOut.map((r) => r.id)).toEqual([4]);
    expect(sharedMetrics(scored)).toEqual(["accuracy", "log_loss"]);
    expect(sharedMetrics([...runs, failed])).toEqual([]);
  });
});

