// The experiment builder's logic: a form a person fills in by pointing and
// clicking, turned into an ExperimentSpec (the same type the TOML files
// hold), with each parameter field checked against the catalog's domain.

import type { EarlyStop, ExperimentSpec, ModelSpec, ParamDomain, ParamSpace, ParamValue, Task, ThresholdRule, Validation, Search } from "../api/types";

export interface ModelChoice {
  model: string;
  /** Parameter name → what the person typed: "3", "1, 2, 5", "0.01..10 log". Empty: the default. */
  params: Record<string, string>;
}

export interface SpecForm {
  name: string;
  dataset: string;
  task: Task;
  target: string | null;
  features: string[];
  validation: Validation;
  search: Search;
  /** Early stopping of trials (k-fold only). */
  early_stop?: EarlyStop;
  /** A binary classifier's decision threshold (classification, k-fold only). */
  threshold?: ThresholdRule;
  seed: number;
  parallelism: number;
  models: ModelChoice[];
}

export type Parsed = { ok: true; space: ParamSpace | null } | { ok: false; error: string };

function parseOne(text: string, domain: ParamDomain): ParamValue | string {
  const t = text.trim();
  switch (domain.type) {
    case "integer": {
      if (!/^-?\d+$/.test(t)) return `'${t}' is not a whole number`;
      const v = Number(t);
      if (v < domain.min || v > domain.max) return `${v} is outside ${domain.min} to ${domain.max}`;
      return v;
    }
    case "float": {
      const v = Number(t);
      if (t === "" || !Number.isFinite(v)) return `'${t}' is not a number`;
      if (v < domain.min || v > domain.max) return `${v} is outside ${domain.min} to ${domain.max}`;
      return v;
    }
    case "choice":
      return domain.options.includes(t) ? t : `'${t}' is not one of ${domain.options.join(", ")}`;
    case "boolean":
      if (t === "true" || t === "false") return t === "true";
      return `'${t}' is not true or false`;
  }
}

/**
 * Parses a parameter field: empty (the catalog's default), one value, a
 * comma-separated list (a grid axis), or `min..max` with an optional `log`
 * (a range for random search; numbers only).
 */
export function parseParam(text: string, domain: ParamDomain): Parsed {
  const t = text.trim();
  if (t === "") return { ok: true, space: null };
  const range = /^(\S+)\s*\.\.\s*(\S+?)(\s+log)?$/.exec(t);
  if (range && (domain.type === "integer" || domain.type === "float")) {
    const min = parseOne(range[1] ?? "", domain);
    const max = parseOne(range[2] ?? "", domain);
    if (typeof min !== "number") return { ok: false, error: String(min) };
    if (typeof max !== "number") return { ok: false, error: String(max) };
    if (min >= max) return { ok: false, error: `the range ${min}..${max} is empty` };
    return { ok: true, space: { min, max, log: range[3] !== undefined } };
  }
  const parts = t.split(",").map((p) => p.trim()).filter((p) => p !== "");
  const values: ParamValue[] = [];
  for (const part of parts) {
    const v = parseOne(part, domain);
    const valid = domain.type === "choice" ? domain.options.includes(part) : typeof v !== "string";
    if (!valid) return { ok: false, error: String(v) };
    values.push(v);
  }
  if (values.length === 1) return { ok: true, space: values[0] as ParamValue };
  return { ok: true, space: values };
}

/** How many trials a grid search gives (random search: its budget per model). */
export function countTrials(form: SpecForm): number {
  // A budget is the whole search's, shared by the models in turn (as the spec runs it).
  if (form.search.kind === "random" || form.search.kind === "tpe") return form.models.length === 0 ? 0 : form.search.budget;
  let total = 0;
  for (const choice of form.models) {
    let product = 1;
    for (const text of Object.values(choice.params)) {
      const parts = text.split(",").filter((p) => p.trim() !== "");
      if (parts.length > 1 && !text.includes("..")) product *= parts.length;
    }
    total += product;
  }
  return total;
}

/** Builds the spec, or lists every field that is wrong ("model.param: why"). */
export function buildSpec(form: SpecForm, catalog: ModelSpec[]): { spec: ExperimentSpec } | { errors: string[] } {
  const errors: string[] = [];
  if (form.name.trim() === "") errors.push("name: give the experiment a name");
  if (form.dataset === "") errors.push("dataset: choose a dataset");
  if (form.task !== "clustering" && !form.target) errors.push("target: choose the column to predict");
  if (form.features.length === 0) errors.push("features: choose at least one column");
  if (form.target && form.features.includes(form.target)) errors.push(`features: '${form.target}' is the target`);
  if (form.models.length === 0) errors.push("models: choose at least one model");
  const models = form.models.map((choice) => {
    const spec = catalog.find((m) => m.id === choice.model);
    const params: Record<string, ParamSpace> = {};
    if (!spec) {
      errors.push(`${choice.model}: not in the catalog`);
      return { model: choice.model, params };
    }
    if (spec.task !== form.task) errors.push(`${choice.model}: a ${spec.task} model, but the task is ${form.task}`);
    for (const param of spec.params) {
      const parsed = parseParam(choice.params[param.name] ?? "", param.domain);
      if (!parsed.ok) errors.push(`${choice.model}.${param.name}: ${parsed.error}`);
      else if (parsed.space !== null) params[param.name] = parsed.space;
    }
    return { model: choice.model, params };
  });
  const threshold = form.task === "classification" && form.validation.kind === "k_fold" ? form.threshold : undefined;
  if (threshold) {
    const precision = threshold.precision;
    if (threshold.metric === "recall_at_precision" && (precision === null || precision === undefined || !(precision > 0 && precision <= 1)))
      errors.push("decision threshold: the precision to reach is above 0 and at most 1, such as 0.9");
    if (form.early_stop) errors.push("decision threshold: early stopping compares folds before a threshold is chosen from all of them; turn one of them off");
  }
  if (errors.length > 0) return { errors };
  const rule: ThresholdRule | undefined = threshold && {
    metric: threshold.metric,
    ...(threshold.metric === "recall_at_precision" ? { precision: threshold.precision } : {}),
    ...(threshold.positive?.trim() ? { positive: threshold.positive.trim() } : {}),
  };
  return {
    spec: {
      name: form.name.trim(),
      description: "",
      dataset: { name: form.dataset, sha256: null },
      task: { kind: form.task, target: form.task === "clustering" ? null : form.target, features: form.features, ...(rule ? { threshold: rule } : {}) },
      validation: form.validation,
      search: form.search,
      early_stop: form.validation.kind === "k_fold" ? (form.early_stop ?? null) : null,
      models,
      seed: form.seed,
      parallelism: form.parallelism,
    },
  };
}
