// Datasets: import (path, native dialog or the server's folders, or files dropped on the window) with
// progress; the list; and for the chosen dataset a virtualized table, the
// column profile with histograms and top values, a correlation heatmap, and
// SQL over every dataset of the project. This page owns the import and the
// list; the chosen dataset's tabs are parts in pages/datasets/.

import { useEffect, useState } from "preact/hooks";
import type { DatasetInfo, Event, ImportOptions } from "../api/types";
import { call, inDesktopApp, newJobId, onEvent, onFilesDropped } from "../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { FileBrowser } from "../components/FileBrowser";
import { formatBytes } from "../lib/format";
import { listKeyHandler } from "../lib/keys";
import { CorrelationView } from "./datasets/CorrelationView";
import { ImportDialog, NO_OPTIONS } from "./datasets/ImportDialog";
import { ProfileView } from "./datasets/ProfileView";
import { SqlView } from "./datasets/SqlView";
import { TableView } from "./datasets/TableView";

type Tab = "table" | "profile" | "correlations" | "sql";

export function DatasetsPage() {
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("table");
  const [error, setError] = useState<Failure | null>(null);
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
      setError(failureOf(e));
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
      setError(failureOf(e));
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
    call("cancel_job", { job: importJob }).catch((e: unknown) => setError(failureOf(e)));
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
            {...tid("import-path")}
            placeholder="File to import (CSV, Parquet, JSON)"
            value={importPath}
            onInput={(e) => setImportPath((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => e.key === "Enter" && importPath.trim() !== "" && setDialogPath(importPath.trim())}
          />
          <div class="row">
            <button
              class="primary"
              {...tid("import")}
              disabled={importing || importPath.trim() === ""}
              title="See the first rows as they will be read, then import"
              onClick={() => setDialogPath(importPath.trim())}
            >
              Import…
            </button>
            <button
              {...tid("browse")}
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
              <div class="progress grow" {...tid("import-progress")}>
                <div class="bar" style={{ width: `${progress && progress.total > 0 ? (100 * progress.done) / progress.total : 5}%` }} />
                <span>{cancelling ? "cancelling…" : progress ? `${progress.stage}…` : "starting…"}</span>
              </div>
              <button {...tid("import-cancel")} disabled={cancelling} onClick={cancelImport}>
                {cancelling ? "Cancelling…" : "Cancel"}
              </button>
            </div>
          )}
        </div>
        <ApiErrorView failure={error} testId="error" />
        {notice.length > 0 && (
          <ul class="note small" {...tid("import-notice")}>
            {notice.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        )}
        <ul
          class="list"
          {...tid("dataset-list")}
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
                <button class={tab === t ? "tab active" : "tab"} {...tid(`tab-${t}`)} onClick={() => setTab(t)}>
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
