// The Data Lab UI: a project, and the pages over it — Datasets,
// Experiments, Runs, Models, Vendors. Every piece of data comes from the API
// list through api/client.ts; nothing here knows whether it runs in the
// desktop app or a browser, except for native dialogs and dropped files.

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ProjectSummary } from "./api/types";
import { call, inDesktopApp } from "./api/client";
import { ProjectPage } from "./pages/ProjectPage";
import { DatasetsPage } from "./pages/DatasetsPage";
import { ExperimentsPage } from "./pages/ExperimentsPage";
import { RunsPage } from "./pages/RunsPage";
import { ModelsPage } from "./pages/ModelsPage";
import { VendorsPage } from "./pages/VendorsPage";
import { JournalPage } from "./pages/JournalPage";
import { LedgerPage } from "./pages/LedgerPage";
import { failureOf, type Failure } from "./components/ApiError";
import { JobsPanel } from "./components/JobsPanel";
import { SavedNotice } from "./components/SavedNotice";
import { forgetAll } from "./lib/persist";
import "./styles.css";

type Page = "datasets" | "experiments" | "runs" | "models" | "vendors" | "journal" | "ledger";

export function rememberProject(root: string): void {
  const recent: string[] = JSON.parse(localStorage.getItem("datalab.recent") ?? "[]") as string[];
  localStorage.setItem("datalab.recent", JSON.stringify([root, ...recent.filter((r) => r !== root)].slice(0, 8)));
}

function App() {
  const [project, setProject] = useState<ProjectSummary | null | undefined>(undefined);
  // The project left by "Switch project": still open in Rust, to come back to.
  const [previous, setPrevious] = useState<ProjectSummary | null>(null);
  const [page, setPage] = useState<Page>("datasets");
  const [error, setError] = useState<Failure | null>(null);
  // The experiment the Vendors page opens on, when reached from an experiment
  // or a served model; and the vendor its launcher starts with.
  const [vendorExperiment, setVendorExperiment] = useState<number | null>(null);
  const [vendorName, setVendorName] = useState<string | null>(null);

  useEffect(() => {
    call("current_project", {})
      .then(setProject)
      .catch((e: unknown) => {
        setProject(null);
        setError(failureOf(e));
      });
  }, []);

  useEffect(() => {
    if (!inDesktopApp()) return;
    // File menu items arrive as events from the desktop shell.
    let stop: (() => void) | undefined;
    void import("@tauri-apps/api/event").then(({ listen }) =>
      listen<string>("datalab://menu", (e) => {
        if (e.payload === "close_project") {
          setPrevious(null);
          setProject(null);
        }
      }).then((unlisten) => (stop = unlisten)),
    );
    return () => stop?.();
  }, []);

  const opened = (summary: ProjectSummary) => {
    rememberProject(summary.root);
    // Another project's pages start afresh; the same one's keep their state.
    if (summary.root !== previous?.root) forgetAll();
    setPrevious(null);
    setProject(summary);
    setPage("datasets");
  };

  if (project === undefined) return <div class="loading">Loading…</div>;
  if (project === null)
    return (
      <ProjectPage
        onOpened={opened}
        initialError={error}
        current={previous}
        onBack={
          previous
            ? () => {
                setProject(previous);
                setPrevious(null);
              }
            : undefined
        }
      />
    );
  const name = project.root.split(/[\\/]/).filter(Boolean).pop() ?? project.root;
  return (
    <div class="app">
      <SavedNotice />
      <header class="topbar">
        <span class="brand">Data Lab</span>
        <span class="project" title={project.root} data-testid="project-name">
          {name}
        </span>
        <nav>
          {(["datasets", "experiments", "runs", "models", "vendors", "journal", "ledger"] as const).map((p) => (
            <button class={page === p ? "tab active" : "tab"} id={`nav-${p}`} data-testid={`nav-${p}`} onClick={() => {
              // The top bar opens a page as it is: no experiment or vendor brought from elsewhere.
              if (p === "vendors") {
                setVendorExperiment(null);
                setVendorName(null);
              }
              setPage(p);
            }}>
              {p[0]?.toUpperCase() + p.slice(1)}
            </button>
          ))}
        </nav>
        <JobsPanel />
        <button
          class="link"
          data-testid="switch-project"
          onClick={() => {
            setPrevious(project);
            setProject(null);
          }}
        >
          Switch project
        </button>
      </header>
      <main>
        {page === "datasets" && <DatasetsPage />}
        {page === "experiments" && (
          <ExperimentsPage
            onShowRuns={() => setPage("runs")}
            onShowVendors={(experiment) => {
              setVendorExperiment(experiment);
              setPage("vendors");
            }}
          />
        )}
        {page === "runs" && <RunsPage />}
        {page === "models" && (
          <ModelsPage
            onShowVendors={(experiment, vendor) => {
              if (experiment !== null) setVendorExperiment(experiment);
              setVendorName(vendor);
              setPage("vendors");
            }}
          />
        )}
        {page === "vendors" && <VendorsPage experiment={vendorExperiment} vendor={vendorName} />}
        {page === "journal" && <JournalPage />}
        {page === "ledger" && <LedgerPage />}
      </main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
