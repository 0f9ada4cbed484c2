// Datasets: import (path, native dialog or the server's folders, or files dropped on the window) with
// progress; the list; and for the chosen dataset a virtualized table, the
// column profile with histograms and top values, a correlation heatmap, and
// SQL over every dataset of the project.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { ColumnProfile, DatasetInfo, DatasetProfile, Event, ImportOptions, QueryOutput, SortOrder } from "../api/types";
import { call, inDesktopApp, newJobId, onEvent, onFilesDropped } from "../api/client";
import { DataGrid } from "../components/DataGrid";
import { ImportDialog, NO_OPTIONS } from "./datasets/ImportDialog";
import { Chart, type ChartOption } from "../components/Chart";
import { FileBrowser } from "../components/FileBrowser";
import { formatBytes, formatCell, formatNumber } from "../lib/format";
import { listKeyHandler } from "../lib/keys";

type Tab = "table" | "profile" | "correlations" | "sql";


function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function DatasetsPage() {
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("table");
  const [error, setError] = useState<string | null>(null);
  const [importPath, setImportPath] = useState("");
  // The file whose import dialog is open.
  const [dialogPath, setDialogPath] = useState<string | null>(null);
  // What the last import said: already imported, renamed, warnings.
  const [notice, setNotice] = useState<string[]>([]);
  const [progress, setProgress] = useState<Extract<Event, { kind: "progress" }> | null>(null);
  const [importing, setImporting] = useState(false);
  // The running import's job: what its progress events carry and what Cancel stops.
  const [importJob, setImportJob] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  // Served over HTTP there is no native dialog: files are picked from the server's folders.
  const [browsing, setBrowsing] = useState(false);

  const refresh = async (choose?: string) => {
    try {
      const list = await call("list_datasets", {});
      setDatasets(list);
      setSelected((current) => choose ?? current ?? list[0]?.name ?? null);
    } catch (e) {
      setError(message(e));
    }
  };

  useEffect(() => {
    void refresh();
    return onEvent((event) => {
      if (event.kind === "progress" && event.operation === "import_dataset") setProgress(event);
    });
  }, []);

  const importFile = async (path: string, name: string | null = null, options: ImportOptions = NO_OPTIONS) => {
    if (path.trim() === "") return;
    setImporting(true);
    setError(null);
    setNotice([]);
    setProgress(null);
    const job = newJobId();
    setImportJob(job);
    try {
      const outcome = await call("import_dataset", { path: path.trim(), name, options }, { job });
      setImportPath("");
      setDialogPath(null);
      setNotice([
        ...(outcome.already_imported
          ? [`This file was imported before, with the same settings, as '${outcome.dataset.name}': nothing new was written.`]
          : []),
        ...outcome.warnings,
      ]);
      await refresh(outcome.dataset.name);
      setTab("table");
    } catch (e) {
      setError(message(e));
    } finally {
      setImporting(false);
      setProgress(null);
      setImportJob(null);
      setCancelling(false);
    }
  };

  const cancelImport = () => {
    if (importJob === null) return;
    setCancelling(true);
    call("cancel_job", { job: importJob }).catch((e: unknown) => setError(message(e)));
  };

  // Files dropped on the window are imported one after another.
  useEffect(
    () =>
      onFilesDropped(async (paths) => {
        for (const path of paths) await importFile(path);
      }),
    [],
  );

  const browse = async () => {
    const { open } = await import("@tauri-apps/plugin-dialog");
    const file = await open({
      title: "Import a dataset",
      filters: [{ name: "Data", extensions: ["csv", "tsv", "txt", "parquet", "json", "ndjson", "jsonl"] }],
    });
    if (typeof file === "string") setDialogPath(file);
  };

  const current = datasets.find((d) => d.name === selected) ?? null;
  const selectedIndex = current ? datasets.indexOf(current) : null;
  return (
    <div class="split">
      <aside class="sidebar">
        <h2>Datasets</h2>
        <div class="import">
          <input
            data-testid="import-path"
            placeholder="File to import (CSV, Parquet, JSON)"
            value={importPath}
            onInput={(e) => setImportPath((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => e.key === "Enter" && importPath.trim() !== "" && setDialogPath(importPath.trim())}
          />
          <div class="row">
            <button
              class="primary"
              data-testid="import"
              disabled={importing || importPath.trim() === ""}
              title="See the first rows as they will be read, then import"
              onClick={() => setDialogPath(importPath.trim())}
            >
              Import…
            </button>
            <button
              data-testid="browse"
              disabled={importing}
              onClick={() => (inDesktopApp() ? void browse() : setBrowsing(!browsing))}
            >
              Browse…
            </button>
          </div>
          {browsing && (
            <FileBrowser
              pick="file"
              onClose={() => setBrowsing(false)}
              onPick={(path) => {
                setBrowsing(false);
                setDialogPath(path);
              }}
            />
          )}
          {inDesktopApp() && <p class="muted small">or drop files on the window</p>}
          {importing && (
            <div class="row">
              <div class="progress grow" data-testid="import-progress">
                <div class="bar" style={{ width: `${progress && progress.total > 0 ? (100 * progress.done) / progress.total : 5}%` }} />
                <span>{cancelling ? "cancelling…" : progress ? `${progress.stage}…` : "starting…"}</span>
              </div>
              <button data-testid="import-cancel" disabled={cancelling} onClick={cancelImport}>
                {cancelling ? "Cancelling…" : "Cancel"}
              </button>
            </div>
          )}
        </div>
        {error && (
          <p class="error" data-testid="error">
            {error}
          </p>
        )}
        {notice.length > 0 && (
          <ul class="note small" data-testid="import-notice">
            {notice.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        )}
        <ul
          class="list"
          data-testid="dataset-list"
          tabIndex={0}
          onKeyDown={listKeyHandler(datasets.length, selectedIndex, (i) => setSelected(datasets[i]?.name ?? null))}
        >
          {datasets.map((d) => (
            <li class={d.name === selected ? "selected" : ""} onClick={() => setSelected(d.name)} data-testid={`dataset-${d.name}`}>
              <strong>{d.name}</strong>
              <span class="muted small">
                {d.rows.toLocaleString("en-US")} rows · {d.columns.length} columns
              </span>
            </li>
          ))}
          {datasets.length === 0 && <li class="muted">No datasets yet: import a file.</li>}
        </ul>
      </aside>
      <section class="content">
        {dialogPath !== null && (
          <ImportDialog
            key={dialogPath}
            path={dialogPath}
            busy={importing}
            onImport={(choice) => void importFile(choice.path, choice.name, choice.options)}
            onCancel={() => setDialogPath(null)}
          />
        )}
        {current ? (
          <>
            <div class="heading">
              <h2>{current.name}</h2>
              <span class="muted small">
                {current.source_format} · {formatBytes(current.source_bytes)} · snapshot {current.snapshot_sha256.slice(0, 12)}
              </span>
            </div>
            <div class="tabs">
              {(["table", "profile", "correlations", "sql"] as const).map((t) => (
                <button class={tab === t ? "tab active" : "tab"} data-testid={`tab-${t}`} onClick={() => setTab(t)}>
                  {t === "sql" ? "SQL" : t[0]?.toUpperCase() + t.slice(1)}
                </button>
              ))}
            </div>
            {tab === "table" && <TableView dataset={current} />}
            {tab === "profile" && <ProfileView dataset={current.name} />}
            {tab === "correlations" && <CorrelationView dataset={current.name} />}
            {tab === "sql" && <SqlView dataset={current.name} />}
          </>
        ) : (
          <p class="muted">Import a dataset to explore it.</p>
        )}
      </section>
    </div>
  );
}

function TableView(props: { dataset: DatasetInfo }) {
  const [sort, setSort] = useState<[string, SortOrder] | null>(null);
  const [total, setTotal] = useState(props.dataset.rows);
  // What is typed, and what the rows were last asked with (on Enter or a pause in typing).
  const [typed, setTyped] = useState("");
  const [filter, setFilter] = useState("");
  const [filterError, setFilterError] = useState<string | null>(null);
  const version = `${props.dataset.name}:${JSON.stringify(sort)}:${filter}`;
  useEffect(() => {
    setTotal(props.dataset.rows);
    setTyped("");
    setFilter("");
    setFilterError(null);
  }, [props.dataset.name]);
  useEffect(() => {
    const pause = setTimeout(() => setFilter(typed.trim()), 400);
    return () => clearTimeout(pause);
  }, [typed]);
  // A new filter starts from every row, so the grid asks for its first page
  // (with none, it would ask for nothing); the answer says how many match.
  useEffect(() => setTotal(props.dataset.rows), [filter]);
  const fetchPage = async (offset: number, limit: number) => {
    try {
      const page = await call("preview_dataset", {
        dataset: props.dataset.name,
        offset,
        limit,
        sort,
        filters: [],
        filter_text: filter,
      });
      setFilterError(null);
      if (page.total_rows !== null) setTotal(page.total_rows);
      return page.table.rows;
    } catch (e) {
      if (filter !== "") {
        setFilterError(message(e));
        setTotal(0);
        return [];
      }
      throw e;
    }
  };
  const onSort = (column: string) =>
    setSort((s) => (s?.[0] !== column ? [column, "ascending"] : s[1] === "ascending" ? [column, "descending"] : null));
  return (
    <>
      <div class="row grid-tools">
        <input
          class="grow"
          data-testid="row-filter"
          placeholder="Filter rows: body_mass_g > 4000 and species = Gentoo (= != < <= > >= ~ contains, is null)"
          value={typed}
          onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") setFilter(typed.trim());
            if (e.key === "Escape") setTyped("");
          }}
        />
        {filter !== "" && filterError === null && (
          <span class="small muted" data-testid="filter-count">
            {total === 0 ? "no row matches" : `${total.toLocaleString("en-US")} of ${props.dataset.rows.toLocaleString("en-US")} rows`}
          </span>
        )}
      </div>
      {filterError && (
        <p class="error small" data-testid="filter-error">
          {filterError}
        </p>
      )}
      <DataGrid columns={props.dataset.columns} total={total} version={version} fetchPage={fetchPage} sort={sort} onSort={onSort} />
    </>
  );
}

function useProfile(dataset: string): { profile: DatasetProfile | null; error: string | null } {
  const [profile, setProfile] = useState<DatasetProfile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setProfile(null);
    call("profile_dataset", { dataset })
      .then(setProfile)
      .catch((e: unknown) => setError(message(e)));
  }, [dataset]);
  return { profile, error };
}

export function histogramOption(column: ColumnProfile): ChartOption | null {
  if (column.histogram) {
    const { edges, counts } = column.histogram;
    const labels = counts.map((_, i) => `${formatNumber(edges[i], 2)}–${formatNumber(edges[i + 1], 2)}`);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 10, top: 20, bottom: 40 },
      xAxis: { type: "category", data: labels, axisLabel: { fontSize: 10 } },
      // Counts are whole: no 0.5 ticks when every bin holds a row or two.
      yAxis: { type: "value", name: "rows", minInterval: 1 },
      series: [{ type: "bar", data: counts, barCategoryGap: "5%", itemStyle: { color: "#3b7dd8" } }],
    };
  }
  if (column.top_values.length > 0) {
    const top = [...column.top_values].reverse();
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map((v) => v.value), axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: top.map((v) => v.count), itemStyle: { color: "#5aa469" } }],
    };
  }
  return null;
}

function ProfileView(props: { dataset: string }) {
  const { profile, error } = useProfile(props.dataset);
  const [column, setColumn] = useState<string | null>(null);
  if (error) return <p class="error">{error}</p>;
  if (!profile) return <p class="muted">Profiling…</p>;
  const chosen = profile.columns.find((c) => c.name === column) ?? profile.columns[0];
  const option = chosen ? histogramOption(chosen) : null;
  return (
    <div class="profile">
      <div class="scroll">
      <table class="table compact" data-testid="profile-columns">
        <thead>
          <tr>
            <th>column</th>
            <th>kind</th>
            <th>nulls</th>
            <th>distinct</th>
            <th>mean</th>
            <th>min</th>
            <th>max</th>
          </tr>
        </thead>
        <tbody>
          {profile.columns.map((c) => (
            <tr class={c.name === chosen?.name ? "selected" : ""} onClick={() => setColumn(c.name)} data-testid={`profile-column-${c.name}`}>
              <td>{c.name}</td>
              <td>{c.kind}</td>
              <td>{c.nulls.toLocaleString("en-US")}</td>
              <td>
                {c.distinct.count.toLocaleString("en-US")}
                {c.distinct.exact ? "" : " ≈"}
              </td>
              <td>{formatNumber(c.numeric?.mean)}</td>
              <td>{formatNumber(c.numeric?.min)}</td>
              <td>{formatNumber(c.numeric?.max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {chosen && (
        <div class="panel" data-testid="column-panel">
          <h3>{chosen.name}</h3>
          <p class="muted small">
            {chosen.data_type} · {chosen.count.toLocaleString("en-US")} values · {chosen.nulls.toLocaleString("en-US")} missing
            {chosen.numeric &&
              ` · median ${formatNumber(chosen.numeric.median)} · q25 ${formatNumber(chosen.numeric.q25)} · q75 ${formatNumber(chosen.numeric.q75)} · std ${formatNumber(chosen.numeric.std)}`}
          </p>
          {option ? <Chart option={option} testId="histogram" /> : <p class="muted">No chart for this column.</p>}
          {chosen.top_values.length > 0 && (
            <p class="small">
              Top values:{" "}
              {chosen.top_values
                .slice(0, 5)
                .map((v) => `${v.value} (${v.count})`)
                .join(", ")}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** A heatmap of a measure between columns: Pearson's r (−1 to 1) or Cramér's V (0 to 1). */
function measureHeatmap(measure: DatasetProfile["correlations"]): ChartOption | null {
  if (measure.columns.length === 0) return null;
  const names = measure.columns;
  const data: [number, number, number | null][] = [];
  measure.matrix.forEach((row, i) => row.forEach((v, j) => data.push([j, i, v === null ? null : Number(v.toFixed(3))])));
  const signed = measure.method === "pearson";
  return {
    tooltip: { position: "top" },
    grid: { left: 120, right: 80, top: 10, bottom: 100 },
    xAxis: { type: "category", data: names, axisLabel: { rotate: 45 } },
    yAxis: { type: "category", data: names },
    visualMap: {
      min: signed ? -1 : 0,
      max: 1,
      calculable: true,
      orient: "vertical",
      right: 0,
      top: "center",
      inRange: { color: signed ? ["#2c6fbb", "#f7f7f7", "#c0392b"] : ["#f7f7f7", "#c0392b"] },
    },
    series: [{ type: "heatmap", data, label: { show: names.length <= 12, fontSize: 10 } }],
  };
}

function CorrelationView(props: { dataset: string }) {
  const { profile, error } = useProfile(props.dataset);
  const correlations = useMemo(() => (profile ? measureHeatmap(profile.correlations) : null), [profile]);
  const associations = useMemo(() => (profile ? measureHeatmap(profile.associations) : null), [profile]);
  if (error) return <p class="error">{error}</p>;
  if (!profile) return <p class="muted">Profiling…</p>;
  return (
    <div>
      <h3>Numeric columns</h3>
      {correlations ? (
        <>
          <p class="muted small">Pearson correlation (−1 to 1) over {profile.correlations.rows_used.toLocaleString("en-US")} rows, each pair over the rows where both are present</p>
          <Chart option={correlations} height={480} testId="correlations" />
        </>
      ) : (
        <p class="muted">No numeric columns to correlate.</p>
      )}
      <h3>Categorical columns</h3>
      {associations ? (
        <>
          <p class="muted small">
            Cramér's V (0: independent, 1: one column tells the other) over {profile.associations.rows_used.toLocaleString("en-US")} rows, between text and
            boolean columns of 2 to 50 values
          </p>
          <Chart option={associations} height={Math.min(480, 160 + 40 * profile.associations.columns.length)} testId="associations" />
        </>
      ) : (
        <p class="muted" data-testid="no-associations">
          No text or boolean columns with 2 to 50 values: Cramér's V needs columns of a few categories (an id or free text has too many).
        </p>
      )}
    </div>
  );
}

function SqlView(props: { dataset: string }) {
  const [sql, setSql] = useState(`SELECT * FROM "${props.dataset}" LIMIT 100`);
  const [result, setResult] = useState<QueryOutput | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    try {
      setResult(await call("query_datasets", { sql, limit: 1000 }));
    } catch (e) {
      setResult(null);
      setError(message(e));
    }
  };
  return (
    <div class="sql">
      <textarea
        data-testid="sql"
        rows={4}
        value={sql}
        onInput={(e) => setSql((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(e) => e.ctrlKey && e.key === "Enter" && void run()}
      />
      <button class="primary" data-testid="run-sql" onClick={() => void run()}>
        Run (Ctrl-Enter)
      </button>
      {error && <p class="error">{error}</p>}
      {result && (
        <>
          <p class="muted small">
            {result.table.rows.length} rows{result.truncated ? " (cut at the limit)" : ""}
          </p>
          <div class="scroll">
            <table class="table compact" data-testid="sql-result">
              <thead>
                <tr>
                  {result.table.columns.map((c) => (
                    <th>{c.name}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.table.rows.map((row) => (
                  <tr>
                    {row.map((v) => (
                      <td>{formatCell(v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
