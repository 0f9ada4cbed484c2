// Comparing runs: which parameters differ between them, which metrics they
// share, and which run is best on a metric.

import { METRICS, type JsonValue, type RunInfo } from "../api/types";

function paramsOf(run: RunInfo): Record<string, JsonValue> {
  const p = run.params;
  return p && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, JsonValue>) : {};
}

/** Every parameter name across `runs`, with "model" first. */
export function parameterNames(runs: RunInfo[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(paramsOf(run))) names.add(name);
  return ["model", ...[...names].sort()];
}

/** A run's value for a parameter name ("model" is the model), as text; "" when it has none. */
export function parameterValue(run: RunInfo, name: string): string {
  if (name === "model") return run.model;
  const value = paramsOf(run)[name];
  return value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
}

/** The parameter names whose values are not the same in every run. */
export function differingParameters(runs: RunInfo[]): Set<string> {
  const differing = new Set<string>();
  for (const name of parameterNames(runs)) {
    const values = new Set(runs.map((r) => parameterValue(r, name)));
    if (values.size > 1) differing.add(name);
  }
  return differing;
}

/**
 * The runs a comparison scores (those with metrics) and those it leaves out
 * (failed, cancelled or not yet run), so one failed run does not empty the
 * comparison of the others.
 */
export function comparable(runs: RunInfo[]): { scored: RunInfo[]; leftOut: RunInfo[] } {
  const scored = runs.filter((r) => Object.keys(r.metrics).length > 0);
  return { scored, leftOut: runs.filter((r) => !scored.includes(r)) };
}

/** Metrics every run has. */
export function sharedMetrics(runs: RunInfo[]): string[] {
  if (runs.length === 0) return [];
  const [first, ...rest] = runs;
  return Object.keys(first?.metrics ?? {})
    .filter((m) => rest.every((r) => m in r.metrics))
    .sort();
}

/** Whether a larger value is better (the facts come from Rust: datalab_ml::metric_facts). */
export function higherIsBetter(metric: string): boolean {
  return METRICS.find((m) => m.name === metric)?.higher_is_better ?? true;
}

/**
 * The metric a table leads with: the headline of its task (accuracy, R²,
 * silhouette, as Rust says), whichever most of the runs have (a project
 * mixes tasks), ties to the earlier task; otherwise a metric every run has.
 */
export function headlineMetric(runs: RunInfo[]): string | undefined {
  let best: [string, number] | undefined;
  for (const metric of METRICS.filter((m) => m.headline).map((m) => m.name)) {
    const count = runs.filter((r) => metric in r.metrics).length;
    if (count > 0 && (best === undefined || count > best[1])) best = [metric, count];
  }
  return best?.[0] ?? sharedMetrics(runs)[0];
}

/** The id of the best run on `metric`, or undefined when none has it. Only
 * a run that succeeded can be best: a pruned one's metric covers its first folds only. */
export function bestRun(runs: RunInfo[], metric: string): number | undefined {
  let best: RunInfo | undefined;
  for (const run of runs) {
    if (run.status !== "succeeded") continue;
    const value = run.metrics[metric]?.mean;
    if (value === undefined || !Number.isFinite(value)) continue;
    const bestValue = best?.metrics[metric]?.mean;
    if (best === undefined || bestValue === undefined) best = run;
    else if (higherIsBetter(metric) ? value > bestValue : value < bestValue) best = run;
  }
  return best?.id;
}

/** One trial of a search, as its progress chart shows it. */
export interface SearchPoint {
  trial: number;
  run: number;
  status: RunInfo["status"];
  /** Its mean of `metric` (a pruned trial's over the folds it finished). */
  value: number | null;
  /** The best finished trial's value so far (pruned trials never count). */
  best: number | null;
}

/** A search's progress on `metric`, trial by trial: each trial's value and the best so far. */
export function searchProgress(runs: RunInfo[], metric: string): SearchPoint[] {
  const higher = higherIsBetter(metric);
  let best: number | null = null;
  return [...runs]
    .sort((a, b) => a.trial - b.trial)
    .map((run) => {
      const mean = run.metrics[metric]?.mean;
      const value = mean !== undefined && Number.isFinite(mean) ? mean : null;
      if (run.status === "succeeded" && value !== null && (best === null || (higher ? value > best : value < best))) best = value;
      return { trial: run.trial, run: run.id, status: run.status, value, best };
    });
}
