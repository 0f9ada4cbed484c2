// Create or open a project: a folder path typed, chosen in a native dialog
// (or, served over HTTP, among the server's folders), or one of the recent projects.

import { useState } from "preact/hooks";
import type { ProjectSummary } from "../api/types";
import { call, inDesktopApp } from "../api/client";
import { ApiErrorView, failureOf, plainFailure, tid, type Failure } from "../components/ApiError";
import { FileBrowser } from "../components/FileBrowser";

export function ProjectPage(props: {
  onOpened: (summary: ProjectSummary) => void;
  initialError: Failure | null;
  /** The project open before "Switch project", to go back to. */
  current?: ProjectSummary | null;
  onBack?: () => void;
}) {
  const [path, setPath] = useState("");
  const [error, setError] = useState<Failure | null>(props.initialError);
  const [busy, setBusy] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const recent: string[] = JSON.parse(localStorage.getItem("datalab.recent") ?? "[]") as string[];

  const act = async (operation: "create_project" | "open_project", folder: string) => {
    if (folder.trim() === "") {
      setError(plainFailure("Type or choose a folder first."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      props.onOpened(await call(operation, { path: folder.trim() }));
    } catch (e) {
      setError(failureOf(e));
    } finally {
      setBusy(false);
    }
  };

  const choose = async () => {
    const { open } = await import("@tauri-apps/plugin-dialog");
    const folder = await open({ directory: true, title: "Choose a project folder" });
    if (typeof folder === "string") setPath(folder);
  };

  return (
    <div class="project-page">
      <h1>Data Lab</h1>
      {props.current && props.onBack && (
        <p>
          <button class="primary" {...tid("back-to-project")} onClick={props.onBack}>
            ← Back to {props.current.root.split(/[\\/]/).filter(Boolean).pop() ?? props.current.root}
          </button>
        </p>
      )}
      <p class="muted">A project is a folder: its datasets, experiments and runs live in it.</p>
      <div class="row">
        <input
          class="grow"
          {...tid("project-path")}
          placeholder="/path/to/project"
          value={path}
          onInput={(e) => setPath((e.currentTarget as HTMLInputElement).value)}
        />
        <button {...tid("choose-folder")} onClick={() => (inDesktopApp() ? void choose() : setBrowsing(!browsing))}>
          Choose…
        </button>
      </div>
      {browsing && (
        <FileBrowser
          pick="folder"
          onClose={() => setBrowsing(false)}
          onPick={(folder) => {
            setPath(folder);
            setBrowsing(false);
          }}
        />
      )}
      <div class="row">
        <button class="primary" {...tid("create-project")} disabled={busy} onClick={() => void act("create_project", path)}>
          Create project
        </button>
        <button {...tid("open-project")} disabled={busy} onClick={() => void act("open_project", path)}>
          Open project
        </button>
      </div>
      <ApiErrorView failure={error} testId="error" />
      {recent.length > 0 && (
        <section>
          <h3>Recent</h3>
          <ul class="recent">
            {recent.map((r) => (
              <li>
                <button class="link" onClick={() => void act("open_project", r)}>
                  {r}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
