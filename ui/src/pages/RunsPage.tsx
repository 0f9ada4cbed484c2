// Runs: every run of the project in a virtualized, sortable, filterable
// table; select runs to compare them — parameters and metrics side by side
// with differences highlighted, metric bars, metric by parameter, parallel
// coordinates for a sweep, and the significance matrix over folds.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ExperimentInfo, RunCharts, RunComparison, RunInfo, RunSort } from "../api/types";
import { call } from "../api/client";
import { Chart, type ChartOption } from "../components/Chart";
import { PageCache, pagesFor, revealed, visibleRows } from "../lib/grid";
import { nextIndex } from "../lib/keys";
import { bestRun, comparable, differingParameters, headlineMetric, parameterNames, parameterValue, sharedMetrics } from "../lib/compare";
import { formatMs, formatNumber } from "../lib/format";
import { usePersistent } from "../lib/persist";
import { saveCsv } from "../lib/save";
import { usePrefersDark } from "../lib/theme";
import { MetricCurves } from "./runs/MetricCurves";
import { NotebookView } from "./runs/NotebookView";
import { RunDetailView } from "./runs/RunDetail";
import { RunLog } from "./runs/RunLog";
import { TrackingPanel } from "./runs/TrackingPanel";

const ROW_HEIGHT = 28;
const PAGE_SIZE = 200;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

type SortKey = { column: string; descending: boolean };

function runSort(column: string): RunSort {
  if (column.startsWith("metric:")) return { by: "metric", name: column.slice(7) };
  if (column === "model" || column === "status" || column === "wall_ms") return { by: column };
  return { by: "id" };
}

/** What the table asks the API for: the filter text and the sort. */
type RunQuery = { filter: string; sort: SortKey };

/** The rows on screen: the query they answer, the pages fetched for it, and how many runs match. */
type Shown = { query: RunQuery; pages: PageCache<RunInfo>; total: number | null };

/** The most runs `query_runs` answers at once (the API's MAX_PAGE): what a CSV reads per call. */
const EXPORT_PAGE_SIZE = 10_000;

function fetchRuns(query: RunQuery, page: number, size = PAGE_SIZE) {
  return call("query_runs", {
    experiment: null,
    text: query.filter === "" ? null : query.filter,
    sort: runSort(query.sort.column),
    descending: query.sort.descending,
    offset: page * size,
    limit: size,
  });
}

export function RunsPage() {
  const [error, setError] = useState<string | null>(null);
  // `query` follows the user at once (the filter box, the next sort); `shown` changes
  // when the first page of that query has arrived, in one render, so a sort or a filter
  // costs one fetch and one frame rather than a frame of placeholders first.
  const [query, setQuery] = useState<RunQuery>({ filter: "", sort: { column: "id", descending: true } });
  const [shown, setShown] = useState<Shown>(() => ({ query, pages: new PageCache<RunInfo>(30), total: null }));
  const current = useRef(shown);
  current.current = shown;
  const latest = useRef(0);
  const [selected, setSelected] = useState<Map<number, RunInfo>>(new Map());
  const [comparing, setComparing] = useState<Comparing | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [metric, setMetric] = useState<string | undefined>(undefined);
  // Metric columns beside the leading one, chosen by the user and kept across pages.
  const [moreMetrics, setMoreMetrics] = usePersistent<string[]>("runs.more-metrics", []);
  const [experiments, setExperiments] = useState<Map<number, ExperimentInfo>>(new Map());
  // The row the keyboard is on (a position in the table): arrows move it, Space selects.
  const [cursor, setCursor] = useState<number | null>(null);
  // The runs last archived, until undone or another archive: what Undo brings back.
  const [archived, setArchived] = useState<number[]>([]);
  const [, setLoaded] = useState(0);
  const viewport = useRef<HTMLDivElement>(null);
  const height = 440;
  const total = shown.total;
  const range = visibleRows(scrollTop, height, ROW_HEIGHT, total ?? 0);

  // Started from the event itself, not from an effect: an effect waits for a paint first.
  const load = (next: RunQuery) => {
    const ticket = ++latest.current;
    setQuery(next);
    fetchRuns(next, 0)
      .then((page) => {
        if (ticket !== latest.current) return;
        const pages = new PageCache<RunInfo>(30);
        pages.set(0, page.runs);
        if (viewport.current) viewport.current.scrollTop = 0;
        setScrollTop(0);
        setCursor(null);
        setShown({ query: next, pages, total: page.total });
        setMetric((m) => m ?? headlineMetric(page.runs.filter((r) => r.status === "succeeded")));
        setError(null);
      })
      .catch((e: unknown) => {
        if (ticket === latest.current) setError(message(e));
      });
  };
  // The experiments' names and datasets, for their columns: read when the page opens
  // and on Refresh, not with every keystroke of the filter.
  const loadExperiments = () =>
    call("list_experiments", {})
      .then((list) => setExperiments(new Map(list.map((e) => [e.id, e]))))
      .catch((e: unknown) => setError(message(e)));
  useEffect(() => {
    load(query);
    void loadExperiments();
  }, []);

  // The pages scrolled into view. A page that arrives after the view has moved on is
  // drawn all the same: it may still be in view, and no other fetch will ask for it.
  useEffect(() => {
    const { pages, query: shownQuery } = shown;
    for (const page of pagesFor(range, PAGE_SIZE)) {
      if (pages.has(page)) continue;
      pages.set(page, []);
      fetchRuns(shownQuery, page)
        .then((result) => {
          pages.set(page, result.runs);
          setLoaded((n) => n + 1);
        })
        .catch((e: unknown) => {
          // A failure of rows no longer on screen is not news.
          if (current.current === shown) setError(message(e));
        });
    }
  }, [range.first, range.last, shown]);

  const toggle = (run: RunInfo) =>
    setSelected((s) => {
      const next = new Map(s);
      if (next.has(run.id)) next.delete(run.id);
      else next.set(run.id, run);
      return next;
    });
  const sortBy = (column: string) =>
    load({ ...query, sort: { column, descending: query.sort.column === column ? !query.sort.descending : true } });
  const header = (label: string, column: string) => (
    <span class="grid-cell" onClick={() => sortBy(column)}>
      {label}
      {/* The arrow says how the rows on screen are sorted (a failed sort leaves them as they were). */}
      {shown.query.sort.column === column ? (shown.query.sort.descending ? " ▼" : " ▲") : ""}
    </span>
  );
  // Every metric of the runs read so far: what the column menu offers.
  const knownMetrics = useMemo(() => {
    const names = new Set<string>();
    for (const run of shown.pages.get(0) ?? []) for (const name of Object.keys(run.metrics)) names.add(name);
    return [...names].sort();
  }, [shown]);
  const metricColumns = [...(metric ? [metric] : []), ...moreMetrics.filter((m) => m !== metric)];
  const rows = [];
  for (let i = range.first; i < range.last; i++) {
    const run = shown.pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
    const style = { top: `${i * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` };
    if (!run) {
      rows.push(
        <div class="grid-row" key={i} style={style}>
          <span class="grid-cell muted">…</span>
        </div>,
      );
      continue;
    }
    rows.push(
      <div
        class={`grid-row${selected.has(run.id) ? " selected" : ""}${cursor === i ? " cursor" : ""}`}
        // Keyed by position: a sort or a filter updates the rows on screen rather than
        // replacing them, which WebKitGTK draws several times faster.
        key={i}
        data-testid={`run-row-${run.id}`}
        data-status={run.status}
        style={style}
        onClick={() => {
          setCursor(i);
          toggle(run);
        }}
        title={run.error ?? ""}
      >
        <span class="grid-cell narrow">
          <input type="checkbox" checked={selected.has(run.id)} data-testid={`select-run-${run.id}`} />
        </span>
        <span class="grid-cell">{run.id}</span>
        <span class="grid-cell" title={experiments.get(run.experiment_id)?.name ?? ""} data-testid={`run-experiment-${run.id}`}>
          {experiments.get(run.experiment_id)?.name ?? run.experiment_id}
        </span>
        <span class="grid-cell">{experiments.get(run.experiment_id)?.dataset ?? ""}</span>
        <span class="grid-cell" title={run.origin === "catalog" ? run.model : `${run.model} (${run.origin === "command" ? "a command of the spec" : "logged through MLflow"})`}>
          {run.origin === "catalog" ? run.model : (run.name ?? run.model)}
          {run.origin !== "catalog" && <span class="muted small"> · {run.origin === "command" ? "command" : "mlflow"}</span>}
        </span>
        <span class="grid-cell wide">
          {parameterNames([run])
            .slice(1)
            .map((p) => `${p}=${parameterValue(run, p)}`)
            .join(" ")}
        </span>
        <span class={`grid-cell status ${run.status}`}>{run.status}</span>
        {metricColumns.map((m) => (
          <span class="grid-cell num">{formatNumber(run.metrics[m]?.mean)}</span>
        ))}
        <span class="grid-cell num">{formatMs(run.wall_ms)}</span>
        <span class="grid-cell wide why" data-testid={`run-why-${run.id}`} title={run.error ?? ""}>
          {run.error ?? ""}
        </span>
      </div>,
    );
  }

  const archive = async (runs: number[], archive: boolean) => {
    try {
      await call("archive_runs", { runs, archived: archive });
      setArchived(archive ? runs : []);
      if (archive) setSelected(new Map());
      setComparing(null);
      load(query);
    } catch (e) {
      setError(message(e));
    }
  };

  // The one run selected, if one is; with several, the best of them is the one to register.
  const only = selected.size === 1 ? [...selected.values()][0] : undefined;
  const bestSelected = [...selected.values()].find((r) => r.id === bestRun([...selected.values()], metric ?? ""));
  const registrable = only ?? bestSelected;
  return (
    <div class="content">
      <div class="heading">
        <h2>Runs</h2>
        <input
          data-testid="runs-filter"
          placeholder="Filter: forest failed max_depth=8 (every word must match)"
          title="Words match within the run's id, model, status and parameters; name=value is a parameter's value, as the table shows it"
          value={query.filter}
          onInput={(e) => load({ ...query, filter: (e.currentTarget as HTMLInputElement).value })}
        />
        <button class="primary" data-testid="compare" disabled={selected.size < 2} onClick={() => setComparing(compare([...selected.values()]))}>
          Compare {selected.size} runs
        </button>
        <details class="columns-menu" data-testid="runs-columns">
          <summary>Metrics</summary>
          <div class="menu">
            <label class="small">
              Leading{" "}
              <select data-testid="runs-metric" value={metric ?? ""} onChange={(e) => setMetric((e.currentTarget as HTMLSelectElement).value || undefined)}>
                {knownMetrics.map((m) => (
                  <option value={m}>{m}</option>
                ))}
              </select>
            </label>
            {knownMetrics
              .filter((m) => m !== metric)
              .map((m) => (
                <label class="small check">
                  <input
                    type="checkbox"
                    data-testid={`runs-column-${m}`}
                    checked={moreMetrics.includes(m)}
                    onChange={(e) => {
                      const on = (e.currentTarget as HTMLInputElement).checked;
                      setMoreMetrics((list) => (on ? [...list.filter((x) => x !== m), m] : list.filter((x) => x !== m)));
                    }}
                  />{" "}
                  {m}
                </label>
              ))}
          </div>
        </details>
        <button
          data-testid="archive-runs"
          title="Hide the selected runs from this table, comparisons and MLflow searches; their files, metrics and models stay, and Undo brings them back"
          disabled={selected.size === 0}
          onClick={() => void archive([...selected.keys()], true)}
        >
          Archive {selected.size > 0 ? selected.size : ""}
        </button>
        <button data-testid="runs-csv" title="Save every run the filter matches as CSV" disabled={!total} onClick={() => void saveRuns(shown.query, experiments).catch((e: unknown) => setError(message(e)))}>
          Save CSV
        </button>
        <button
          data-testid="runs-refresh"
          title="Read the runs again (runs logged from outside appear)"
          onClick={() => {
            load(query);
            void loadExperiments();
          }}
        >
          Refresh
        </button>
        {registrable && <RegisterModel run={registrable} />}
      </div>
      <TrackingPanel />
      {error && <p class="error">{error}</p>}
      {archived.length > 0 && (
        <p class="note small row" data-testid="archived-notice">
          <span>
            Archived {archived.length === 1 ? `run ${archived[0]}` : `${archived.length} runs (${archived.join(", ")})`}: hidden here and from MLflow searches, files
            and models kept.
          </span>
          <button data-testid="archive-undo" onClick={() => void archive(archived, false)}>
            Undo
          </button>
        </p>
      )}
      <div class="grid runs" data-testid="runs-table">
        <div class="grid-row grid-header">
          <span class="grid-cell narrow" />
          {header("run", "id")}
          <span class="grid-cell">experiment</span>
          <span class="grid-cell">dataset</span>
          {header("model", "model")}
          <span class="grid-cell wide">params</span>
          {header("status", "status")}
          {metricColumns.map((m) => header(m, `metric:${m}`))}
          {header("wall", "wall_ms")}
          <span class="grid-cell wide">why (failed, pruned)</span>
        </div>
        <div
          class="grid-viewport"
          ref={viewport}
          style={{ height: `${height}px` }}
          tabIndex={0}
          data-testid="runs-rows"
          onKeyDown={(event) => {
            if (event.altKey || event.ctrlKey || event.metaKey) return;
            if (event.key === " " || event.key === "Enter") {
              const run = cursor === null ? undefined : shown.pages.get(Math.floor(cursor / PAGE_SIZE))?.[cursor % PAGE_SIZE];
              if (run) {
                event.preventDefault();
                toggle(run);
              }
              return;
            }
            const next = nextIndex(event.key, cursor, total ?? 0);
            if (next === null) return;
            event.preventDefault();
            setCursor(next);
            const view = viewport.current;
            if (view) view.scrollTop = revealed(view.scrollTop, view.clientHeight, next * ROW_HEIGHT, ROW_HEIGHT);
          }}
          onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
          <div style={{ height: `${(total ?? 0) * ROW_HEIGHT}px`, position: "relative" }}>{rows}</div>
        </div>
        <div class="grid-footer">
          {total === null ? "loading…" : `${total.toLocaleString("en-US")} runs`} · {selected.size} selected
        </div>
      </div>
      {total === 0 && (
        <p class="note" data-testid="runs-empty">
          {shown.query.filter.trim() === ""
            ? "No runs yet. Launch an experiment on the Experiments page, or log runs from your own code with the MLflow client (above)."
            : `No run matches "${shown.query.filter.trim()}". Every word must appear in a run's id, model, status or parameters; name=value matches a parameter's value.`}
        </p>
      )}
      {selected.size > 0 && <MetricCurves runs={[...selected.values()]} />}
      {only && <RunDetailView run={only.id} experiment={experiments.get(only.experiment_id)} />}
      {only && only.origin === "command" && <RunLog run={only} />}
      {only && only.origin !== "catalog" && <NotebookView run={only} />}
      {comparing && <ComparisonView runs={comparing.runs} charts={comparing.charts} />}
    </div>
  );
}

/** Every run `query` matches, read a page at a time, saved as CSV: its
 * experiment and dataset, parameters, and each metric's mean and std. */
async function saveRuns(query: RunQuery, experiments: Map<number, ExperimentInfo>): Promise<void> {
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

/** The runs being compared, and their charts' data, asked for as "Compare" is clicked. */
type Comparing = { runs: RunInfo[]; charts: Promise<RunCharts[]> };

function compare(runs: RunInfo[]): Comparing {
  const charted = runs.filter((r) => r.status === "succeeded" && ("accuracy" in r.metrics || "r2" in r.metrics)).slice(0, 6);
  const charts = Promise.all(charted.map((r) => call("run_charts", { run: r.id }))).catch(() => []);
  return { runs, charts };
}

function ComparisonView(props: { runs: RunInfo[]; charts: Promise<RunCharts[]> }) {
  const { scored, leftOut } = comparable(props.runs);
  const metrics = sharedMetrics(scored);
  const experiments = [...new Set(props.runs.map((r) => r.experiment_id))];
  const [metric, setMetric] = useState(headlineMetric(scored) ?? "");
  const [comparison, setComparison] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const differing = differingParameters(props.runs);
  const names = parameterNames(props.runs);
  const dark = usePrefersDark();

  useEffect(() => {
    if (!metric || scored.length < 2) return;
    setError(null);
    call("compare_runs", { runs: scored.map((r) => r.id), metric })
      .then(setComparison)
      .catch((e: unknown) => {
        setComparison(null);
        setError(message(e));
      });
  }, [props.runs, metric]);

  const bars = useMemo<ChartOption>(() => {
    const labels = scored.map((r) => `run ${r.id}`);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: metric },
      series: [
        { name: "mean", type: "bar", data: scored.map((r) => r.metrics[metric]?.mean ?? null), itemStyle: { color: "#3b7dd8" } },
        {
          // Error bars: a line from mean − std to mean + std, with caps.
          name: "± std",
          type: "custom",
          z: 3,
          data: scored.map((r, i) => {
            const m = r.metrics[metric];
            return m ? [i, m.mean - m.std, m.mean + m.std] : [i, null, null];
          }),
          encode: { x: 0, y: [1, 2] },
          renderItem: (_: unknown, api: { value: (i: number) => number; coord: (p: number[]) => number[] }) => {
            const low = api.coord([api.value(0), api.value(1)]);
            const high = api.coord([api.value(0), api.value(2)]);
            // The bars' ink: dark on a light page, light on a dark one.
            const style = { stroke: dark ? "#e6e9ee" : "#222", lineWidth: 1.5 };
            const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: "line", shape: { x1, y1, x2, y2 }, style });
            const [x = 0, yLow = 0] = low;
            const [, yHigh = 0] = high;
            return {
              type: "group",
              children: [line(x, yLow, x, yHigh), line(x - 7, yLow, x + 7, yLow), line(x - 7, yHigh, x + 7, yHigh)],
            };
          },
        },
      ],
    };
  }, [props.runs, metric, dark]);

  const numericParameter = [...differing].find((p) => p !== "model" && props.runs.every((r) => Number.isFinite(Number(parameterValue(r, p))) && parameterValue(r, p) !== ""));
  const scatter = useMemo<ChartOption | null>(() => {
    if (!numericParameter) return null;
    const byModel = new Map<string, [number, number][]>();
    for (const r of scored) {
      const m = r.metrics[metric];
      if (!m) continue;
      const points = byModel.get(r.model) ?? [];
      points.push([Number(parameterValue(r, numericParameter)), m.mean]);
      byModel.set(r.model, points);
    }
    return {
      tooltip: { trigger: "item" },
      legend: {},
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: numericParameter, scale: true },
      yAxis: { type: "value", name: metric, scale: true },
      series: [...byModel].map(([model, data]) => ({ name: model, type: "scatter", data, symbolSize: 10 })),
    };
  }, [props.runs, metric, numericParameter]);

  const parallel = useMemo<ChartOption | null>(() => {
    const dims = [...differing].filter((p) => p !== "model");
    if (dims.length === 0) return null;
    const axes = [...dims, metric].map((name, dim) => {
      const values = scored.map((r) => (name === metric ? String(r.metrics[metric]?.mean ?? "") : parameterValue(r, name)));
      const numeric = values.every((v) => v !== "" && Number.isFinite(Number(v)));
      return numeric ? { dim, name, type: "value" as const, scale: true } : { dim, name, type: "category" as const, data: [...new Set(values)] };
    });
    return {
      parallelAxis: axes,
      parallel: { left: 60, right: 60, top: 40, bottom: 30 },
      series: [
        {
          type: "parallel",
          lineStyle: { width: 2, opacity: 0.6 },
          data: scored.map((r) => axes.map((a) => (a.name === metric ? (r.metrics[metric]?.mean ?? null) : a.type === "value" ? Number(parameterValue(r, a.name)) : parameterValue(r, a.name)))),
        },
      ],
    };
  }, [props.runs, metric]);

  const best = bestRun(scored, metric);
  return (
    <section class="comparison" data-testid="comparison">
      {leftOut.length > 0 && (
        <p class="note small" data-testid="left-out">
          Left out of the metrics, charts and tests (no metrics):{" "}
          {leftOut.map((r) => `run ${r.id} (${r.status}${r.error ? `: ${r.error}` : ""})`).join("; ")}
        </p>
      )}
      {experiments.length > 1 && (
        <p class="note small" data-testid="mixed-experiments">
          These runs come from {experiments.length} experiments ({experiments.map((e) => `#${e}`).join(", ")}): their
          scores are comparable only if the experiments used the same data and validation.
        </p>
      )}
      <div class="heading">
        <h2>Comparison of {props.runs.length} runs</h2>
        <label>
          Metric{" "}
          <select data-testid="compare-metric" value={metric} onChange={(e) => setMetric((e.currentTarget as HTMLSelectElement).value)}>
            {metrics.map((m) => (
              <option value={m}>{m}</option>
            ))}
          </select>
        </label>
        <button
          data-testid="comparison-csv"
          title="Save the comparison as CSV: a row per run, its parameters, each metric's mean and std, and its wall time"
          onClick={() =>
            saveCsv(
              `comparison of runs ${props.runs.map((r) => r.id).join(" ")}`,
              ["run", "experiment", "status", ...names, ...metrics.flatMap((m) => [`${m} mean`, `${m} std`]), "wall ms"],
              props.runs.map((r) => [
                r.id,
                r.experiment_id,
                r.status,
                ...names.map((n) => parameterValue(r, n)),
                ...metrics.flatMap((m) => [r.metrics[m]?.mean, r.metrics[m]?.std]),
                r.wall_ms,
              ]),
            )
          }
        >
          Save CSV
        </button>
      </div>
      <div class="scroll">
        <table class="table compact side-by-side">
          <thead>
            <tr>
              <th />
              {props.runs.map((r) => (
                <th class={r.id === best ? "best" : ""}>run {r.id}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr class={differing.has(name) ? "differs" : ""}>
                <th>{name}</th>
                {props.runs.map((r) => (
                  <td>{parameterValue(r, name)}</td>
                ))}
              </tr>
            ))}
            {metrics.map((m) => (
              <tr class={m === metric ? "chosen" : ""}>
                <th>{m}</th>
                {props.runs.map((r) => (
                  <td class={bestRun(scored, m) === r.id ? "best" : ""}>
                    {formatNumber(r.metrics[m]?.mean)} <span class="muted small">± {formatNumber(r.metrics[m]?.std, 3)}</span>
                  </td>
                ))}
              </tr>
            ))}
            <tr>
              <th>wall time</th>
              {props.runs.map((r) => (
                <td>{formatMs(r.wall_ms)}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      <div class="charts">
        <div class="panel">
          <h3>{metric} by run (mean ± std over folds)</h3>
          <Chart option={bars} testId="comparison-chart" defer />
        </div>
        {scatter && (
          <div class="panel">
            <h3>
              {metric} by {numericParameter}
            </h3>
            <Chart option={scatter} testId="metric-by-parameter" defer />
          </div>
        )}
        {parallel && (
          <div class="panel">
            <h3>Parallel coordinates</h3>
            <Chart option={parallel} testId="parallel-coordinates" defer />
          </div>
        )}
      </div>
      <CurvesAndMatrices charts={props.charts} />
      {error && <p class="error">{error}</p>}
      {comparison && (
        <div class="panel" data-testid="significance">
          <h3>Significance (corrected resampled t-test over folds, 5 %)</h3>
          <table class="table compact">
            <thead>
              <tr>
                <th>run</th>
                <th>W/T/L</th>
                {comparison.runs.map((r) => (
                  <th>vs {r.id}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {comparison.runs.map((r, i) => (
                <tr>
                  <th>{r.id}</th>
                  <td>{(comparison.record[i] ?? [0, 0, 0]).join("/")}</td>
                  {comparison.runs.map((o) => {
                    const pair = comparison.pairs.find((p) => p.run === r.id && p.other === o.id);
                    return (
                      <td class={pair ? `verdict ${pair.verdict}` : ""}>
                        {pair ? (pair.p_value === null ? "n/a" : `${pair.p_value.toFixed(3)} ${pair.verdict === "win" ? "+" : pair.verdict === "loss" ? "−" : ""}`) : ""}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Colours by run, so a run's folds share one. */
const PALETTE = ["#3b7dd8", "#e07b39", "#3ba272", "#c23b5f", "#8e63ce", "#2aa3b8", "#b58b00", "#6b7682"];

/** Confusion matrices and ROC / precision-recall curves of classification runs. */
function CurvesAndMatrices(props: { charts: Promise<RunCharts[]> }) {
  const [charts, setCharts] = useState<RunCharts[]>([]);
  // A layout effect: an ordinary one would wait for the comparison's first paint before
  // it even listens for the data, which is usually there sooner.
  useLayoutEffect(() => {
    let live = true;
    void props.charts.then((c) => live && setCharts(c));
    return () => {
      live = false;
    };
  }, [props.charts]);
  if (charts.length === 0) return null;
  const curve = (pick: (c: RunCharts) => RunCharts["roc"], x: string, y: string): ChartOption => ({
    tooltip: { trigger: "item" },
    legend: { type: "scroll" },
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "value", name: x, min: 0, max: 1 },
    yAxis: { type: "value", name: y, min: 0, max: 1 },
    // Every fold's curve, in its run's colour: one legend entry a run.
    series: charts.flatMap((c, k) =>
      pick(c).map((s) => ({
        name: `run ${c.run}`,
        type: "line",
        showSymbol: false,
        lineStyle: { width: 1.2, opacity: 0.85, color: PALETTE[k % PALETTE.length] },
        itemStyle: { color: PALETTE[k % PALETTE.length] },
        tooltip: { formatter: `run ${c.run}, ${s.name}` },
        data: s.x.map((v, i) => [v, s.y[i]]),
      })),
    ),
  });
  if (charts.every((c) => c.residuals.length > 0)) {
    return (
      <div class="charts">
        <div class="panel">
          <h3>Residuals by prediction (first fold)</h3>
          <Chart
            testId="residuals"
            option={{
              tooltip: { trigger: "item" },
              legend: { type: "scroll" },
              grid: { left: 60, right: 20, top: 40, bottom: 40 },
              xAxis: { type: "value", name: "predicted", scale: true },
              yAxis: { type: "value", name: "truth − predicted" },
              series: charts.flatMap((c) =>
                // Large mode draws the points as one path: thousands of symbols one by one cost hundreds of ms in WebKitGTK.
                c.residuals.slice(0, 1).map((s) => ({ name: `run ${c.run}`, type: "scatter", symbolSize: 4, large: true, largeThreshold: 500, data: s.x.map((v, i) => [v, s.y[i]]) })),
              ),
            }}
          />
        </div>
      </div>
    );
  }
  return (
    <div class="charts">
      <div class="panel">
        <h3>ROC (every fold)</h3>
        <Chart option={curve((c) => c.roc, "false positive rate", "true positive rate")} testId="roc" />
      </div>
      <div class="panel">
        <h3>Precision–recall (every fold)</h3>
        <Chart option={curve((c) => c.precision_recall, "recall", "precision")} testId="pr" />
      </div>
      {charts.map((c) => {
        const matrix = c.confusion;
        if (!matrix) return null;
        const labels = matrix.map((_, i) => c.classes[i] ?? `class ${i}`);
        const data = matrix.flatMap((row, t) => row.map((v, p) => [p, t, v]));
        const max = Math.max(1, ...matrix.flat());
        return (
          <div class="panel">
            <h3>Confusion matrix, run {c.run} (all folds)</h3>
            <Chart
              testId={`confusion-${c.run}`}
              option={{
                tooltip: { position: "top" },
                grid: { left: 90, right: 20, top: 10, bottom: 50 },
                xAxis: { type: "category", data: labels, name: "predicted", nameLocation: "middle", nameGap: 30 },
                yAxis: { type: "category", data: labels, name: "truth", inverse: true },
                visualMap: { min: 0, max, show: false, inRange: { color: ["#f4f8fd", "#2f6fca"] } },
                series: [{ type: "heatmap", data, label: { show: true } }],
              }}
            />
          </div>
        );
      })}
    </div>
  );
}

/** Promotes the one selected run to the next version of a named model. */
function RegisterModel(props: { run: RunInfo | undefined }) {
  const [name, setName] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const run = props.run;
  if (!run) return null;
  const register = async () => {
    try {
      const detail = await call("register_model", { run: run.id, name, description: "", alias: null, logged_model: null });
      const served = detail.info.not_servable === null ? "" : " It is an MLflow model: Data Lab publishes it, MLflow serves it.";
      setStatus(`Registered ${detail.info.name} v${detail.info.version}: see Models.${served}`);
    } catch (e) {
      setStatus(message(e));
    }
  };
  return (
    <span class="register">
      <input data-testid="model-name" placeholder="model name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      <button data-testid="register-model" disabled={name === "" || run.status !== "succeeded"} onClick={() => void register()}>
        Register run {run.id}
      </button>
      {status && <span class="small" data-testid="register-status">{status}</span>}
    </span>
  );
}
