// Experiments: build a spec by pointing and clicking — dataset, target,
// features, models with parameter forms generated from the catalog,
// validation, search — launch it, and watch every trial live; cancel it.
// From an experiment, its vendor evaluations and comparison are one click away.
// This page owns the form and the sweep; the form's models and settings, the
// live runs, the experiments and the studies are parts in pages/experiments/.

import { useEffect, useRef, useState } from "preact/hooks";
import type { DatasetInfo, ExperimentInfo, ExperimentSuggestion, ModelSpec, RunInfo, Task } from "../api/types";
import { call, newJobId } from "../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { buildSpec, countTrials, type ModelChoice, type SpecForm } from "../lib/spec";
import { defaultFeatures, defaultTarget, featuresForTarget, targetsFor } from "../lib/suggest";
import { usePersistent } from "../lib/persist";
import { ExperimentList } from "./experiments/ExperimentList";
import { LIVE_KEY, listenForRuns, LiveRuns, type LiveState } from "./experiments/LiveRuns";
import { ModelChoices } from "./experiments/ModelChoices";
import { SearchSettings } from "./experiments/SearchSettings";
import { SharePanel } from "./experiments/SharePanel";
import { Studies } from "./experiments/Studies";

const NEW_FORM: SpecForm = {
  name: "",
  dataset: "",
  task: "classification",
  target: null,
  features: [],
  validation: { kind: "k_fold", folds: 5 },
  search: { kind: "grid" },
  seed: 42,
  parallelism: 0,
  models: [],
};

export function ExperimentsPage(props: { onShowRuns: () => void; onShowVendors?: (experiment: number) => void }) {
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  const [catalog, setCatalog] = useState<ModelSpec[]>([]);
  const [experiments, setExperiments] = useState<ExperimentInfo[]>([]);
  // The form, the live sweep and its job are kept across pages (lib/persist.ts).
  const [form, setForm] = usePersistent<SpecForm>("experiments.form", NEW_FORM);
  const [suggestion, setSuggestion] = usePersistent<ExperimentSuggestion | null>("experiments.suggestion", null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [runError, setRunError] = usePersistent<Failure | null>("experiments.runError", null);
  // Once Launch was pressed, the form's problems show, and go as each is fixed.
  const [tried, setTried] = usePersistent("experiments.tried", false);
  const [live, setLive] = usePersistent<LiveState | null>(LIVE_KEY, null);
  const [running, setRunning] = usePersistent("experiments.running", false);
  // The sweep's job: what Cancel stops.
  const [job, setJob] = usePersistent<string | null>("experiments.job", null);
  const [cancelling, setCancelling] = usePersistent("experiments.cancelling", false);
  const liveRef = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    listenForRuns();
    Promise.all([call("list_datasets", {}), call("model_catalog", {}), call("list_experiments", {})])
      .then(([d, c, e]) => {
        setDatasets(d);
        setCatalog(c);
        setExperiments(e);
      })
      .catch((e: unknown) => setLoadError(failureOf(e)));
  }, []);
  // A running trial's clock.
  useEffect(() => {
    if (!running) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [running]);

  const dataset = datasets.find((d) => d.name === form.dataset);
  const update = (patch: Partial<SpecForm>) => setForm((f) => ({ ...f, ...patch }));
  // A change that depends on the form is computed from the form as it is now, not as
  // this render saw it: keys typed faster than the page draws would otherwise undo
  // each other (a parameter typed just before another reverted to its first letters).
  const revise = (change: (f: SpecForm) => Partial<SpecForm>) => setForm((f) => ({ ...f, ...change(f) }));
  const chooseDataset = async (name: string) => {
    update({ dataset: name, name: form.name || `${name} experiment`, target: null, features: [] });
    if (name === "") return;
    try {
      const suggested = await call("suggest_experiment", { dataset: name });
      setSuggestion(suggested);
      setForm((f) => {
        if (f.dataset !== name) return f;
        // A target chosen while the suggestion was on its way stays.
        const target = f.task === "clustering" ? null : (f.target ?? defaultTarget(suggested, f.task));
        return { ...f, target, features: defaultFeatures(suggested, target) };
      });
    } catch (e) {
      setLoadError(failureOf(e));
    }
  };
  const chooseTarget = (target: string) =>
    setForm((f) => ({
      ...f,
      target,
      features:
        suggestion && suggestion.dataset === f.dataset
          ? featuresForTarget(suggestion, f.features, f.target, target)
          : f.features.filter((c) => c !== target),
    }));
  const chooseTask = (task: Task) =>
    setForm((f) => {
      const models = f.models.filter((m) => catalog.find((c) => c.id === m.model)?.task === task);
      if (!suggestion || task === "clustering") return { ...f, task, models, target: task === "clustering" ? null : f.target };
      const valid = targetsFor(suggestion, task).map((c) => c.name);
      const target = f.target && valid.includes(f.target) ? f.target : defaultTarget(suggestion, task);
      return { ...f, task, models, target, features: featuresForTarget(suggestion, f.features, f.target, target) };
    });
  const toggleModel = (id: string) =>
    revise((f) => ({
      models: f.models.some((m) => m.model === id) ? f.models.filter((m) => m.model !== id) : [...f.models, { model: id, params: {} }],
    }));
  const setParam = (model: string, name: string, text: string) =>
    revise((f) => ({
      models: f.models.map((m): ModelChoice => (m.model === model ? { ...m, params: { ...m.params, [name]: text } } : m)),
    }));

  const built = buildSpec(form, catalog);
  const formErrors = "errors" in built ? built.errors : [];
  const trials = countTrials(form);
  const launch = async () => {
    setTried(true);
    if ("errors" in built) return;
    setRunError(null);
    try {
      const created = await call("create_experiment", { spec: built.spec });
      await runExperiment(created.experiment.id, created.runs);
    } catch (e) {
      setRunError(failureOf(e));
    }
  };

  /** Runs an experiment's unfinished runs (a new one's, or a stopped one's: resumed from their finished folds). */
  const runExperiment = async (experiment: number, runs: RunInfo[]) => {
    const id = newJobId();
    setJob(id);
    setRunning(true);
    setCancelling(false);
    setLive({ experiment, runs: runs.map((run) => ({ run, folds: null, step: null, startedAt: null })) });
    // The progress comes into view as the sweep starts.
    requestAnimationFrame(() => liveRef.current?.scrollIntoView({ block: "nearest", behavior: "smooth" }));
    try {
      const outcome = await call("run_experiment", { experiment, parallelism: null }, { job: id });
      setLive({ experiment: outcome.experiment_id, runs: outcome.runs.map((run) => ({ run, folds: null, step: null, startedAt: null })) });
      setExperiments(await call("list_experiments", {}));
    } catch (e) {
      setRunError(failureOf(e));
    } finally {
      setRunning(false);
      setJob(null);
      setCancelling(false);
    }
  };

  const cancel = async () => {
    // Acknowledged at once: running trials stop within a second or so, keeping their finished folds.
    setCancelling(true);
    if (job) await call("cancel_job", { job }).catch((e: unknown) => setRunError(failureOf(e)));
  };

  const resume = async () => {
    if (!live) return;
    setRunError(null);
    try {
      const detail = await call("show_experiment", { experiment: live.experiment });
      await runExperiment(live.experiment, detail.runs);
    } catch (e) {
      setRunError(failureOf(e));
    }
  };

  const models = catalog.filter((m) => m.task === form.task);
  return (
    <div class="split">
      <section class="content builder">
        <h2>New experiment</h2>
        <div class="form">
          <label>
            Name
            <input {...tid("experiment-name")} value={form.name} onInput={(e) => update({ name: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            Dataset
            <select {...tid("experiment-dataset")} value={form.dataset} onChange={(e) => chooseDataset((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">choose…</option>
              {datasets.map((d) => (
                <option value={d.name}>{d.name}</option>
              ))}
            </select>
          </label>
          <label>
            Task
            <select {...tid("experiment-task")} value={form.task} onChange={(e) => chooseTask((e.currentTarget as HTMLSelectElement).value as Task)}>
              <option value="classification">classification</option>
              <option value="regression">regression</option>
              <option value="clustering">clustering</option>
            </select>
          </label>
          {form.task !== "clustering" && (
            <label>
              Target
              <select {...tid("experiment-target")} value={form.target ?? ""} onChange={(e) => chooseTarget((e.currentTarget as HTMLSelectElement).value)}>
                {(suggestion && suggestion.dataset === form.dataset
                  ? targetsFor(suggestion, form.task).map((c) => c.name)
                  : (dataset?.columns.map((c) => c.name) ?? [])
                ).map((name) => (
                  <option value={name}>{name}</option>
                ))}
              </select>
            </label>
          )}
        </div>
        {dataset && (
          <fieldset>
            <legend>Features</legend>
            <div class="chips">
              {dataset.columns
                .filter((c) => c.name !== form.target)
                .map((c) => (
                  <label class="chip" title={suggestion?.columns.find((s) => s.name === c.name)?.note ?? undefined} data-testid={`feature-${c.name}`}>
                    <input
                      type="checkbox"
                      checked={form.features.includes(c.name)}
                      onChange={() =>
                        revise((f) => ({ features: f.features.includes(c.name) ? f.features.filter((x) => x !== c.name) : [...f.features, c.name] }))
                      }
                    />
                    {c.name} <span class="muted small">{c.kind}</span>
                  </label>
                ))}
            </div>
          </fieldset>
        )}
        <ModelChoices models={models} chosen={form.models} onToggle={toggleModel} onParam={setParam} />
        <SearchSettings form={form} update={update} revise={revise} />
        {suggestion && suggestion.dataset === form.dataset && suggestion.columns.some((c) => c.note) && (
          <ul class="note small" {...tid("left-out-columns")}>
            {suggestion.columns
              .filter((c) => c.note)
              .map((c) => (
                <li>
                  <strong>{c.name}</strong> is not a feature by default: {c.note}
                </li>
              ))}
          </ul>
        )}
        <ApiErrorView failure={loadError} testId="experiments-load-error" />
        {tried && formErrors.length > 0 && (
          <ul class="error" data-testid="error">
            {formErrors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        )}
        <ApiErrorView failure={runError} testId="experiments-run-error" />
        <div class="row">
          <button
            class="primary"
            {...tid("launch")}
            disabled={running || trials === 0}
            title={trials === 0 ? "Choose at least one model" : undefined}
            onClick={() => void launch()}
          >
            Launch {trials} {trials === 1 ? "trial" : "trials"}
          </button>
          {running && (
            <button {...tid("cancel")} disabled={cancelling} onClick={() => void cancel()}>
              {cancelling ? "Cancelling…" : "Cancel"}
            </button>
          )}
        </div>
      </section>
      <aside class="sidebar wide">
        {live && (
          <LiveRuns
            live={live}
            running={running}
            now={now}
            panelRef={liveRef}
            onResume={() => void resume()}
            onShowRuns={props.onShowRuns}
            onShowVendors={props.onShowVendors}
          />
        )}
        <ExperimentList experiments={experiments} onShowVendors={props.onShowVendors} />
        <SharePanel
          experiments={experiments}
          onChanged={() =>
            void call("list_experiments", {})
              .then(setExperiments)
              .catch((e: unknown) => setLoadError(failureOf(e)))
          }
        />
        <Studies refresh={experiments.length} />
      </aside>
    </div>
  );
}
