// What the runs table asks `query_runs` for — the filter text and the sort —
// a page at a time, and every run a query matches saved as CSV.

import type { ExperimentInfo, RunInfo, RunSort } from "../../api/types";
import { call } from "../../api/client";
import { parameterNames, parameterValue } from "../../lib/compare";
import { saveCsv } from "../../lib/save";

/** How many runs the table reads a call: a page of its rows. */
export const PAGE_SIZE = 200;

/** The column the table is sorted by, and which way. */
export type SortKey = { column: string; descending: boolean };

/** The API's sort for a column of the table ("metric:<name>" for a metric). */
function runSort(column: string): RunSort {
  if (column.startsWith("metric:")) return { by: "metric", name: column.slice(7) };
  if (column === "model" || column === "status" || column === "wall_ms") return { by: column };
  return { by: "id" };
}

/** What the table asks the API for: the filter text and the sort. */
export type RunQuery = { filter: string; sort: SortKey };

/** The most runs `query_runs` answers at once (the API's MAX_PAGE): what a CSV reads per call. */
const EXPORT_PAGE_SIZE = 10_000;

export function fetchRuns(query: RunQuery, page: number, size = PAGE_SIZE) {
  return call("query_runs", {
    experiment: null,
    text: query.filter === "" ? null : query.filter,
    sort: runSort(query.sort.column),
    descending: query.sort.descending,
    offset: page * size,
    limit: size,
  });
}

/** Every run `query` matches, read a page at a time, saved as CSV: its
 * experiment and dataset, parameters, and each metric's mean and std. */
export async function saveRuns(query: RunQuery, experiments: Map<number, ExperimentInfo>): Promise<void> {
  const runs: RunInfo[] = [];
  for (let page = 0; ; page++) {
    const next = await fetchRuns(query, page, EXPORT_PAGE_SIZE);
    runs.push(...next.runs);
    if (next.runs.length < EXPORT_PAGE_SIZE || runs.length >= next.total) break;
  }
  const names = parameterNames(runs).slice(1);
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  saveCsv(
    query.filter.trim() === "" ? "runs" : `runs ${query.filter}`,
    ["run", "experiment", "dataset", "model", "status", ...names, ...metrics.flatMap((m) => [`${m} mean`, `${m} std`]), "wall ms", "error"],
    runs.map((r) => [
      r.id,
      experiments.get(r.experiment_id)?.name ?? r.experiment_id,
      experiments.get(r.experiment_id)?.dataset ?? "",
      r.model,
      r.status,
      ...names.map((n) => parameterValue(r, n)),
      ...metrics.flatMap((m) => [r.metrics[m]?.mean, r.metrics[m]?.std]),
      r.wall_ms,
      r.error ?? "",
    ]),
  );
}
