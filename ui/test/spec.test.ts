import { describe, expect, it } from "vitest";
import type { ModelSpec, ParamDomain } from "../src/api/types";
import { buildSpec, countTrials, parseParam, type SpecForm } from "../src/lib/spec";

const depth: ParamDomain = { type: "integer", min: 0, max: 100, default: 5 };
const alpha: ParamDomain = { type: "float", min: 1e-6, max: 1e3, default: 1, log: true };
const quality: ParamDomain = { type: "choice", options: ["gini", "entropy"], default: "gini" };

const catalog: ModelSpec[] = [
  {
    id: "decision_tree",
    name: "Decision tree",
    task: "classification",
    description: "",
    params: [
      { name: "max_depth", description: "", domain: depth },
      { name: "split_quality", description: "", domain: quality },
    ],
    deterministic: { kind: "yes" },
  },
  { id: "logistic_regression", name: "Logistic", task: "classification", description: "", params: [{ name: "alpha", description: "", domain: alpha }], deterministic: { kind: "yes" } },
  { id: "linear_regression", name: "Linear", task: "regression", description: "", params: [], deterministic: { kind: "yes" } },
];

function form(patch: Partial<SpecForm> = {}): SpecForm {
  return {
    name: "iris sweep",
    dataset: "iris",
    task: "classification",
    target: "species",
    features: ["sepal_length", "petal_length"],
    validation: { kind: "k_fold", folds: 5 },
    search: { kind: "grid" },
    seed: 42,
    parallelism: 0,
    models: [
      { model: "decision_tree", params: { max_depth: "1, 2, 3", split_quality: "gini, entropy" } },
      { model: "logistic_regression", params: { alpha: "0.01, 1" } },
    ],
    ...patch,
  };
}

describe("parseParam", () => {
  it("reads defaults, single values, grid lists and ranges", () => {
    expect(parseParam("", depth)).toEqual({ ok: true, space: null });
    expect(parseParam("4", depth)).toEqual({ ok: true, space: 4 });
    expect(parseParam("1, 2, 5", depth)).toEqual({ ok: true, space: [1, 2, 5] });
    expect(parseParam("0.01..10 log", alpha)).toEqual({ ok: true, space: { min: 0.01, max: 10, log: true } });
    expect(parseParam("gini, entropy", quality)).toEqual({ ok: true, space: ["gini", "entropy"] });
  });
  it("refuses what the catalog's domain refuses, saying why", () => {
    expect(parseParam("2.5", depth)).toEqual({ ok: false, error: "'2.5' is not a whole number" });
    expect(parseParam("200", depth)).toEqual({ ok: false, error: "200 is outside 0 to 100" });
    expect(parseParam("gini, random", quality)).toEqual({ ok: false, error: "'random' is not one of gini, entropy" });
    expect(parseParam("10..1", alpha)).toEqual({ ok: false, error: "the range 10..1 is empty" });
  });
});

describe("buildSpec", () => {
  it("turns the form into the spec the TOML files hold", () => {
    const built = buildSpec(form(), catalog);
    expect("spec" in built).toBe(true);
    if (!("spec" in built)) return;
    expect(built.spec.task).toEqual({ kind: "classification", target: "species", features: ["sepal_length", "petal_length"] });
    expect(built.spec.models).toEqual([
      { model: "decision_tree", params: { max_depth: [1, 2, 3], split_quality: ["gini", "entropy"] } },
      { model: "logistic_regression", params: { alpha: [0.01, 1] } },
    ]);
    expect(countTrials(form())).toBe(8);
  });
  it("keeps a decision threshold for k-fold classification, and says what is wrong with one", () => {
    const built = buildSpec(form({ threshold: { metric: "recall_at_precision", precision: 0.9, positive: " good " } }), catalog);
    if (!("spec" in built)) throw new Error(JSON.stringify(built));
    expect(built.spec.task.threshold).toEqual({ metric: "recall_at_precision", precision: 0.9, positive: "good" });
    const f1 = buildSpec(form({ threshold: { metric: "f1", precision: 0.5, positive: "" } }), catalog);
    if (!("spec" in f1)) throw new Error(JSON.stringify(f1));
    expect(f1.spec.task.threshold).toEqual({ metric: "f1" });
    const holdout = buildSpec(form({ validation: { kind: "holdout", test_fraction: 0.2 }, threshold: { metric: "f1" } }), catalog);
    expect("spec" in holdout && holdout.spec.task.threshold).toBeFalsy();
    const unreachable = buildSpec(form({ threshold: { metric: "recall_at_precision", precision: 1.5 } }), catalog);
    expect(unreachable).toEqual({ errors: ["decision threshold: the precision to reach is above 0 and at most 1, such as 0.9"] });
    const both = buildSpec(form({ threshold: { metric: "f1" }, early_stop: { kind: "asha", reduction: 3, min_folds: 1 } }), catalog);
    expect("errors" in both && both.errors[0]).toMatch(/early stopping/);
  });
  it("counts a random or TPE search's budget once, shared by its models", () => {
    const two = { ...form(), models: [{ model: "decision_tree", params: {} }, { model: "logistic_regression", params: {} }] };
    expect(countTrials({ ...two, search: { kind: "random", budget: 10 } })).toBe(10);
    expect(countTrials({ ...two, search: { kind: "tpe", budget: 30, startup: 10, batch: 1 } })).toBe(30);
    expect(countTrials({ ...two, models: [], search: { kind: "tpe", budget: 30, startup: 10, batch: 1 } })).toBe(0);
  });
  it("lists every wrong field", () => {
    const built = buildSpec(
      form({ target: null, models: [{ model: "linear_regression", params: {} }, { model: "decision_tree", params: { max_depth: "-1" } }] }),
      catalog,
    );
    expect(built).toEqual({
      errors: [
        "target: choose the column to predict",
        "linear_regression: a regression model, but the task is classification",
        "decision_tree.max_depth: -1 is outside 0 to 100",
      ],
    });
  });
});
