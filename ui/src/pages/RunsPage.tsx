// Runs: every run of the project in a virtualized, sortable, filterable
// table; select runs to compare them — parameters and metrics side by side
// with differences highlighted, metric bars, metric by parameter, parallel
// coordinates for a sweep, and the significance matrix over folds. This page
// owns the table and the selection; the rest are parts in pages/runs/.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ExperimentInfo, RunInfo } from "../api/types";
import { call } from "../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { PageCache, pagesFor, revealed, visibleRows } from "../lib/grid";
import { nextIndex } from "../lib/keys";
import { bestRun, headlineMetric, parameterNames, parameterValue } from "../lib/compare";
import { formatMs, formatNumber } from "../lib/format";
import { usePersistent } from "../lib/persist";
import { compare, ComparisonView, type Comparing } from "./runs/ComparisonView";
import { MetricColumns } from "./runs/MetricColumns";
import { MetricCurves } from "./runs/MetricCurves";
import { NotebookView } from "./runs/NotebookView";
import { fetchRuns, PAGE_SIZE, saveRuns, type RunQuery } from "./runs/query";
import { RegisterModel } from "./runs/RegisterModel";
import { RunDetailView } from "./runs/RunDetail";
import { RunLog } from "./runs/RunLog";
import { TrackingPanel } from "./runs/TrackingPanel";

const ROW_HEIGHT = 28;

/** The rows on screen: the query they answer, the pages fetched for it, and how many runs match. */
type Shown = { query: RunQuery; pages: PageCache<RunInfo>; total: number | null };

export function RunsPage() {
  const [error, setError] = useState<Failure | null>(null);
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
        if (ticket === latest.current) setError(failureOf(e));
      });
  };
  // The experiments' names and datasets, for their columns: read when the page opens
  // and on Refresh, not with every keystroke of the filter.
  const loadExperiments = () =>
    call("list_experiments", {})
      .then((list) => setExperiments(new Map(list.map((e) => [e.id, e]))))
      .catch((e: unknown) => setError(failureOf(e)));
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
          if (current.current === shown) setError(failureOf(e));
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
      setError(failureOf(e));
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
          {...tid("runs-filter")}
          placeholder="Filter: forest failed max_depth=8 (every word must match)"
          title="Words match within the run's id, model, status and parameters; name=value is a parameter's value, as the table shows it"
          value={query.filter}
          onInput={(e) => load({ ...query, filter: (e.currentTarget as HTMLInputElement).value })}
        />
        <button class="primary" {...tid("compare")} disabled={selected.size < 2} onClick={() => setComparing(compare([...selected.values()]))}>
          Compare {selected.size} runs
        </button>
        <MetricColumns known={knownMetrics} metric={metric} onMetric={setMetric} more={moreMetrics} onMore={setMoreMetrics} />
        <button
          {...tid("archive-runs")}
          title="Hide the selected runs from this table, comparisons and MLflow searches; their files, metrics and models stay, and Undo brings them back"
          disabled={selected.size === 0}
          onClick={() => void archive([...selected.keys()], true)}
        >
          Archive {selected.size > 0 ? selected.size : ""}
        </button>
        <button {...tid("runs-csv")} title="Save every run the filter matches as CSV" disabled={!total} onClick={() => void saveRuns(shown.query, experiments).catch((e: unknown) => setError(failureOf(e)))}>
          Save CSV
        </button>
        <button
          {...tid("runs-refresh")}
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
      <ApiErrorView failure={error} testId="runs-error" />
      {archived.length > 0 && (
        <p class="note small row" {...tid("archived-notice")}>
          <span>
            Archived {archived.length === 1 ? `run ${archived[0]}` : `${archived.length} runs (${archived.join(", ")})`}: hidden here and from MLflow searches, files
            and models kept.
          </span>
          <button {...tid("archive-undo")} onClick={() => void archive(archived, false)}>
            Undo
          </button>
        </p>
      )}
      <div class="grid runs" {...tid("runs-table")}>
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
          {...tid("runs-rows")}
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
        <p class="note" {...tid("runs-empty")}>
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
