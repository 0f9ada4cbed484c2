// A run's detail, the pure part: its metrics laid out fold by fold beside
// the mean and standard deviation Rust computed over the folds.

import type { RunDetail } from "../api/types";

export interface FoldRow {
  metric: string;
  /** `values[i]`: the metric on fold i (null when that fold did not give it). */
  values: (number | null)[];
  /** Over the folds, as the run's summary says; null for a run stopped before its summary. */
  mean: number | null;
  std: number | null;
}

/** One row per metric (by name), one column per fold. */
export function foldTable(detail: Pick<RunDetail, "run" | "folds">): { folds: number; rows: FoldRow[] } {
  const names = new Set<string>(Object.keys(detail.run.metrics));
  for (const fold of detail.folds) for (const name of Object.keys(fold)) names.add(name);
  const rows = [...names].sort().map((metric) => {
    const summary = detail.run.metrics[metric];
    return {
      metric,
      values: detail.folds.map((fold) => fold[metric] ?? null),
      mean: summary?.mean ?? null,
      std: summary?.std ?? null,
    };
  });
  return { folds: detail.folds.length, rows };
}

/** A tag as typed: `key=value`, or a bare key (an empty value); null when there is no key. */
export function parseTag(typed: string): { key: string; value: string } | null {
  const text = typed.trim();
  const at = text.indexOf("=");
  const key = (at < 0 ? text : text.slice(0, at)).trim();
  if (key === "") return null;
  return { key, value: at < 0 ? "" : text.slice(at + 1).trim() };
}
