// Sharing experiments through storage: push one as a bundle to a storage
// target, pull a colleague's bundle into this project, and reproduce an
// experiment run by run — each a job with its progress and a Cancel.

import { useEffect, useState } from "preact/hooks";
import { call, newJobId, onEvent } from "../../api/client";
import type { ExperimentInfo, PullOutcome, PushOutcome, ReproduceReport, StorageTargetInfo } from "../../api/types";
import { ApiErrorView, failureOf, plainFailure, tid, type Failure } from "../../components/ApiError";
import { ExperimentSelect } from "../../components/ExperimentSelect";
import { formatBytes } from "../../lib/format";
import { saveBlob } from "../../lib/save";

type Busy = "push" | "pull" | "reproduce" | null;

export function SharePanel(props: { experiments: ExperimentInfo[]; onChanged: () => void }) {
  const [targets, setTargets] = useState<StorageTargetInfo[]>([]);
  const [target, setTarget] = useState("");
  const [experiment, setExperiment] = useState<number | null>(null);
  const [bundles, setBundles] = useState<string[] | null>(null);
  const [pullAs, setPullAs] = useState("");
  const [busy, setBusy] = useState<Busy>(null);
  const [job, setJob] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [progress, setProgress] = useState<[number, number] | null>(null);
  const [pushed, setPushed] = useState<PushOutcome | null>(null);
  const [pulled, setPulled] = useState<PullOutcome | null>(null);
  const [report, setReport] = useState<ReproduceReport | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  const [reportPath, setReportPath] = useState<string | null>(null);

  useEffect(() => {
    call("list_storage", {})
      .then((list) => {
        setTargets(list);
        setTarget((t) => t || list[0]?.name || "");
      })
      .catch((e: unknown) => setError(failureOf(e)));
  }, []);
  useEffect(
    () =>
      onEvent((event) => {
        if (event.kind === "transfer" && (event.operation === "push_experiment" || event.operation === "pull_experiment")) {
          setProgress([event.done, event.total]);
        }
      }),
    [],
  );

  // One job at a time: its id is what Cancel stops; its outcome replaces the last one's.
  const run = async <T,>(kind: Busy, work: (job: string) => Promise<T>, done: (value: T) => void) => {
    const id = newJobId();
    setBusy(kind);
    setJob(id);
    setError(null);
    setProgress(null);
    setPushed(null);
    setPulled(null);
    setReport(null);
    try {
      done(await work(id));
    } catch (e) {
      setError(failureOf(e));
    } finally {
      setBusy(null);
      setJob(null);
      setCancelling(false);
    }
  };
  const push = () => {
    if (experiment === null) return setError(plainFailure("Choose the experiment to push.", "experiment"));
    void run("push", (job) => call("push_experiment", { experiment, target, name: null }, { job }), setPushed);
  };
  const reproduce = () => {
    if (experiment === null) return setError(plainFailure("Choose the experiment to reproduce.", "experiment"));
    void run("reproduce", (job) => call("reproduce_experiment", { experiment }, { job }), (r) => {
      setReport(r);
      props.onChanged();
    });
  };
  // The report is written into the project's exports and saved where downloads go.
  const writeReport = () => {
    if (experiment === null) return;
    setError(null);
    call("write_report", { experiment })
      .then((written) => {
        setReportPath(written.path);
        saveBlob(`experiment-${experiment}-report.html`, new Blob([written.html], { type: "text/html" }));
      })
      .catch((e: unknown) => setError(failureOf(e)));
  };
  const listBundles = () => {
    setError(null);
    call("list_bundles", { target })
      .then(setBundles)
      .catch((e: unknown) => setError(failureOf(e)));
  };
  const pull = (name: string) => {
    const as = pullAs.trim() === "" ? null : pullAs.trim();
    void run("pull", (job) => call("pull_experiment", { name, target, as }, { job }), (outcome) => {
      setPulled(outcome);
      props.onChanged();
    });
  };
  const cancel = () => {
    if (job === null) return;
    setCancelling(true);
    call("cancel_job", { job }).catch((e: unknown) => setError(failureOf(e)));
  };

  if (targets.length === 0) {
    return (
      <div class="panel" {...tid("share")}>
        <h3>Share</h3>
        <p class="muted small">Add a storage target on the Models page to push experiments to it and pull them from it.</p>
        <ApiErrorView failure={error} testId="share-error" />
      </div>
    );
  }
  return (
    <div class="panel share" {...tid("share")}>
      <h3>Share</h3>
      <div class="row">
        <label>
          Storage{" "}
          <select {...tid("share-target")} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            {targets.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
      </div>
      <div class="row">
        <ExperimentSelect experiments={props.experiments} value={experiment} onChange={setExperiment} testId="share-experiment" />
      </div>
      <div class="row">
        <button {...tid("share-push")} disabled={busy !== null || experiment === null} onClick={push} title="Send the experiment with its data, runs and files to the storage">
          Push
        </button>
        <button {...tid("share-reproduce")} disabled={busy !== null || experiment === null} onClick={reproduce} title="Run the spec again on the same snapshot and compare every run">
          Reproduce
        </button>
        <button {...tid("share-report-html")} disabled={busy !== null || experiment === null} onClick={writeReport} title="One HTML file with the data, the spec, the runs, the charts and the notes; it opens offline">
          Report
        </button>
      </div>
      {reportPath && (
        <p class="small muted" {...tid("share-report-path")}>
          Report written to <code>{reportPath}</code>
        </p>
      )}
      <div class="row">
        <button {...tid("share-list")} disabled={busy !== null} onClick={listBundles}>
          Bundles in {target}
        </button>
        <input {...tid("share-pull-as")} placeholder="pull as (optional name)" value={pullAs} onInput={(e) => setPullAs(e.currentTarget.value)} />
      </div>
      {bundles !== null && (
        <ul class="list" {...tid("share-bundles")}>
          {bundles.map((name) => (
            <li>
              <code>{name}</code>{" "}
              <button class="link small" data-testid={`share-pull-${name}`} disabled={busy !== null} onClick={() => pull(name)}>
                Pull
              </button>
            </li>
          ))}
          {bundles.length === 0 && <li class="muted">No bundles there yet.</li>}
        </ul>
      )}
      {busy !== null && (
        <div class="row" {...tid("share-busy")}>
          <span class="muted small">{busy === "push" ? "Pushing…" : busy === "pull" ? "Pulling…" : "Running the spec again…"}</span>
          {progress && progress[1] > 0 && (
            <div class="progress grow">
              <div class="bar" style={{ width: `${(100 * progress[0]) / progress[1]}%` }} />
              <span>
                {formatBytes(progress[0])} of {formatBytes(progress[1])}
              </span>
            </div>
          )}
          <button {...tid("share-cancel")} disabled={cancelling} onClick={cancel}>
            {cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </div>
      )}
      <ApiErrorView failure={error} testId="share-error" />
      {pushed && (
        <p class="small" {...tid("share-pushed")}>
          Pushed <code>{pushed.name}</code> ({pushed.runs} runs) to {pushed.location}: sent {pushed.count.files_sent} files ({formatBytes(pushed.count.bytes_sent)}),{" "}
          {pushed.count.files_present} were there already.
        </p>
      )}
      {pulled && (
        <p class="small" {...tid("share-pulled")}>
          Pulled experiment {pulled.experiment} “{pulled.name}”: {pulled.runs} runs, {pulled.evaluations} vendor evaluations, {pulled.files} files checked; dataset{" "}
          <code>{pulled.dataset}</code>
          {pulled.dataset_known ? " (already here)" : ""}.
        </p>
      )}
      {report && (
        <div {...tid("share-report")}>
          <p class="small">
            Experiment {report.experiment} run again as experiment {report.reproduction}: <strong>{report.identical} identical</strong>
            {report.different > 0 ? <span class="error-text">, {report.different} not</span> : ""}.
          </p>
          <table class="small">
            <thead>
              <tr>
                <th>trial</th>
                <th>model</th>
                <th>verdict</th>
                <th>differences</th>
              </tr>
            </thead>
            <tbody>
              {report.runs.map((r) => (
                <tr>
                  <td class="num">{r.trial}</td>
                  <td>{r.model}</td>
                  <td class={r.verdict === "identical" ? "" : "error-text"}>{r.verdict}</td>
                  <td>{r.differences.join("; ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
