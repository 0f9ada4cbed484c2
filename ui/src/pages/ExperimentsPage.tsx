// Experiments: build a spec by pointing and clicking — dataset, target,
// features, models with parameter forms generated from the catalog,
// validation, search — launch it, and watch every trial live; cancel it.
// From an experiment, its vendor evaluations and comparison are one click away.

import { useEffect, useRef, useState } from "preact/hooks";
import type { DatasetInfo, ExperimentInfo, ExperimentSuggestion, ModelSpec, ParamDomain, RunInfo, Task, TrialStage } from "../api/types";
import { call, newJobId, onEvent } from "../api/client";
import { buildSpec, countTrials, parseParam, type ModelChoice, type SpecForm } from "../lib/spec";
import { defaultFeatures, defaultTarget, featuresForTarget, targetsFor } from "../lib/suggest";
import { keep, usePersistent } from "../lib/persist";
import { formatMs, formatNumber } from "../lib/format";
import { headlineMetric, searchProgress } from "../lib/compare";
import { Chart, type ChartOption } from "../components/Chart";
import { StudyComparison } from "../components/StudyComparison";
import type { DatasetComparison } from "../api/types";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function domainHint(domain: ParamDomain): string {
  switch (domain.type) {
    case "integer":
    case "float":
      return `${domain.min} to ${domain.max}, default ${domain.default}`;
    case "choice":
      return `${domain.options.join(" | ")}, default ${domain.default}`;
    case "boolean":
      return `true | false, default ${domain.default}`;
  }
}

interface LiveRun {
  run: RunInfo;
  folds: [number, number] | null;
  /** Inside the current fold (or the final model): steps of its fit. */
  step: { stage: TrialStage; done: number; total: number } | null;
  /** When it started running here (ms), for its elapsed time. */
  startedAt: number | null;
}

/** A run's progress in words: folds done, and where it is inside a fold. */
function progressText(r: LiveRun): string {
  const folds = r.folds ? `${r.folds[0]}/${r.folds[1]} folds` : "";
  if (r.run.status !== "running" || !r.step) return folds;
  const where = r.step.stage.stage === "final_model" ? "final model" : `fold ${r.step.stage.fold + 1}`;
  const steps = r.step.total > 0 ? ` ${r.step.done}/${r.step.total}` : "";
  return [folds, `${where}${steps}`].filter((t) => t !== "").join(" · ");
}

/** A running trial's time so far and, once a fold is done, an estimate of the rest. */
function timeText(r: LiveRun, now: number): string {
  if (r.run.status !== "running" || r.startedAt === null) return formatMs(r.run.wall_ms);
  const elapsed = now - r.startedAt;
  const [done, total] = r.folds ?? [0, 0];
  // The final model is a fit on every row: about one fold more.
  const left = done > 0 ? (elapsed / done) * (total + 1 - done) : null;
  return left === null ? formatMs(elapsed) : `${formatMs(elapsed)} · ~${formatMs(left)} left`;
}

/** A run's parameters, short. */
function paramsText(run: RunInfo): string {
  return Object.entries(run.params as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v, 3).replace(/\.?0+$/, "") : String(v)}`)
    .join(" ");
}

interface LiveState {
  experiment: number;
  runs: LiveRun[];
}

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

// The live runs are kept outside the page: a sweep goes on while the user
// looks at another page, and its events land here all the same.
let listening = false;
function listenForRuns(): void {
  if (listening) return;
  listening = true;
  onEvent((event) => {
    if (event.kind !== "run") return;
    const e = event.event;
    keep<LiveState | null>("experiments.live", null, (current) => {
      if (!current) return current;
      const runs = current.runs.map((r): LiveRun => {
        if (e.event === "started" && r.run.id === e.run)
          return { ...r, run: { ...r.run, status: "running" }, step: null, startedAt: Date.now() };
        if (e.event === "fold" && r.run.id === e.run) return { ...r, folds: [e.done, e.folds] };
        if (e.event === "step" && r.run.id === e.run) return { ...r, step: { stage: e.stage, done: e.done, total: e.total } };
        if (e.event === "finished" && r.run.id === e.run.id) return { run: e.run, folds: r.folds, step: null, startedAt: null };
        return r;
      });
      return { ...current, runs };
    });
  });
}

export function ExperimentsPage(props: { onShowRuns: () => void; onShowVendors?: (experiment: number) => void }) {
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  const [catalog, setCatalog] = useState<ModelSpec[]>([]);
  const [experiments, setExperiments] = useState<ExperimentInfo[]>([]);
  // The form, the live sweep and its job are kept across pages (lib/persist.ts).
  const [form, setForm] = usePersistent<SpecForm>("experiments.form", NEW_FORM);
  const [suggestion, setSuggestion] = usePersistent<ExperimentSuggestion | null>("experiments.suggestion", null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [runError, setRunError] = usePersistent<string | null>("experiments.runError", null);
  // Once Launch was pressed, the form's problems show, and go as each is fixed.
  const [tried, setTried] = usePersistent("experiments.tried", false);
  const [live, setLive] = usePersistent<LiveState | null>("experiments.live", null);
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
      .catch((e: unknown) => setLoadError(message(e)));
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
      setLoadError(message(e));
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
      setRunError(message(e));
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
      setRunError(message(e));
    } finally {
      setRunning(false);
      setJob(null);
      setCancelling(false);
    }
  };

  const cancel = async () => {
    // Acknowledged at once: running trials stop within a second or so, keeping their finished folds.
    setCancelling(true);
    if (job) await call("cancel_job", { job }).catch((e: unknown) => setRunError(message(e)));
  };

  const resume = async () => {
    if (!live) return;
    setRunError(null);
    try {
      const detail = await call("show_experiment", { experiment: live.experiment });
      await runExperiment(live.experiment, detail.runs);
    } catch (e) {
      setRunError(message(e));
    }
  };

  const models = catalog.filter((m) => m.task === form.task);
  const metric = live ? headlineMetric(live.runs.map((r) => r.run).filter((r) => r.status === "succeeded")) : undefined;
  const done = live?.runs.filter((r) => !["queued", "running"].includes(r.run.status)).length ?? 0;
  return (
    <div class="split">
      <section class="content builder">
        <h2>New experiment</h2>
        <div class="form">
          <label>
            Name
            <input data-testid="experiment-name" value={form.name} onInput={(e) => update({ name: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <label>
            Dataset
            <select data-testid="experiment-dataset" value={form.dataset} onChange={(e) => chooseDataset((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">choose…</option>
              {datasets.map((d) => (
                <option value={d.name}>{d.name}</option>
              ))}
            </select>
          </label>
          <label>
            Task
            <select data-testid="experiment-task" value={form.task} onChange={(e) => chooseTask((e.currentTarget as HTMLSelectElement).value as Task)}>
              <option value="classification">classification</option>
              <option value="regression">regression</option>
              <option value="clustering">clustering</option>
            </select>
          </label>
          {form.task !== "clustering" && (
            <label>
              Target
              <select data-testid="experiment-target" value={form.target ?? ""} onChange={(e) => chooseTarget((e.currentTarget as HTMLSelectElement).value)}>
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
        <fieldset>
          <legend>Models</legend>
          {models.map((m) => {
            const choice = form.models.find((c) => c.model === m.id);
            return (
              <div class="model">
                <label title={m.description}>
                  <input type="checkbox" data-testid={`model-${m.id}`} checked={choice !== undefined} onChange={() => toggleModel(m.id)} />
                  <strong>{m.name}</strong> <span class="muted small">{m.description}</span>
                </label>
                {choice && (
                  <div class="params">
                    {m.params.map((p) => {
                      const text = choice.params[p.name] ?? "";
                      const parsed = parseParam(text, p.domain);
                      return (
                        <label title={p.description}>
                          {p.name}
                          <input
                            data-testid={`param-${m.id}-${p.name}`}
                            class={parsed.ok ? "" : "invalid"}
                            placeholder={domainHint(p.domain)}
                            value={text}
                            onInput={(e) => setParam(m.id, p.name, (e.currentTarget as HTMLInputElement).value)}
                          />
                          {!parsed.ok && <span class="error small">{parsed.error}</span>}
                        </label>
                      );
                    })}
                    <p class="muted small">One value, a list (1, 2, 5) for a grid, or a range (0.01..10 log) for random or TPE search.</p>
                  </div>
                )}
              </div>
            );
          })}
        </fieldset>
        <div class="form">
          <label>
            Validation
            <select
              data-testid="experiment-validation"
              value={form.validation.kind}
              onChange={(e) =>
                update({
                  validation: (e.currentTarget as HTMLSelectElement).value === "holdout" ? { kind: "holdout", test_fraction: 0.2 } : { kind: "k_fold", folds: 5 },
                })
              }
            >
              <option value="k_fold">k-fold</option>
              <option value="holdout">holdout</option>
            </select>
          </label>
          {form.validation.kind === "k_fold" ? (
            <label>
              Folds
              <input type="number" min={2} value={form.validation.folds} onInput={(e) => update({ validation: { kind: "k_fold", folds: Number((e.currentTarget as HTMLInputElement).value) } })} />
            </label>
          ) : (
            <label>
              Test fraction
              <input type="number" step={0.05} min={0.05} max={0.95} value={form.validation.test_fraction} onInput={(e) => update({ validation: { kind: "holdout", test_fraction: Number((e.currentTarget as HTMLInputElement).value) } })} />
            </label>
          )}
          <label>
            Search
            <select
              data-testid="experiment-search"
              value={form.search.kind}
              onChange={(e) => {
                const kind = (e.currentTarget as HTMLSelectElement).value;
                update({
                  search:
                    kind === "random"
                      ? { kind: "random", budget: 10 }
                      : kind === "tpe"
                        ? { kind: "tpe", budget: 30, startup: 10, batch: 1 }
                        : { kind: "grid" },
                });
              }}
            >
              <option value="grid">grid</option>
              <option value="random">random</option>
              <option value="tpe">TPE (Bayesian)</option>
            </select>
          </label>
          {form.search.kind === "random" && (
            <label>
              Trials
              <input type="number" min={1} value={form.search.budget} onInput={(e) => update({ search: { kind: "random", budget: Number((e.currentTarget as HTMLInputElement).value) } })} />
            </label>
          )}
          {form.search.kind === "tpe" && (
            <>
              <label>
                Trials
                <input
                  type="number"
                  min={1}
                  value={form.search.budget}
                  onInput={(e) => {
                    const value = Number((e.currentTarget as HTMLInputElement).value);
                    revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, budget: value } } : {}));
                  }}
                />
              </label>
              <label>
                Random first (per model)
                <input
                  type="number"
                  min={0}
                  value={form.search.startup}
                  onInput={(e) => {
                    const value = Number((e.currentTarget as HTMLInputElement).value);
                    revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, startup: value } } : {}));
                  }}
                />
              </label>
              <label title="Trials of a model suggested from the same finished trials: as many as run at once keeps every worker busy">
                Suggested together
                <input
                  type="number"
                  min={1}
                  value={form.search.batch}
                  onInput={(e) => {
                    const value = Number((e.currentTarget as HTMLInputElement).value);
                    revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, batch: value } } : {}));
                  }}
                />
              </label>
            </>
          )}
          {form.validation.kind === "k_fold" && (
            <label title="ASHA: at rungs of 1, 3, 9… folds, a trial outside the best third of the trials there stops as pruned">
              Early stopping
              <select
                data-testid="experiment-early-stop"
                value={form.early_stop ? "asha" : "none"}
                onChange={(e) =>
                  update({
                    early_stop: (e.currentTarget as HTMLSelectElement).value === "asha" ? { kind: "asha", reduction: 3, min_folds: 1 } : undefined,
                  })
                }
              >
                <option value="none">none</option>
                <option value="asha">ASHA over folds</option>
              </select>
            </label>
          )}
          {form.task === "classification" && form.validation.kind === "k_fold" && (
            <label title="Binary classification: decide at the threshold chosen from out-of-fold probabilities, each fold scored at the threshold the other folds choose">
              Decision
              <select
                data-testid="experiment-threshold"
                value={form.threshold?.metric ?? "argmax"}
                onChange={(e) => {
                  const value = (e.currentTarget as HTMLSelectElement).value;
                  update({
                    threshold:
                      value === "f1" || value === "recall_at_precision"
                        ? { metric: value, precision: form.threshold?.precision ?? 0.9, positive: form.threshold?.positive ?? "" }
                        : undefined,
                  });
                }}
              >
                <option value="argmax">most probable class</option>
                <option value="f1">threshold for the best F1</option>
                <option value="recall_at_precision">threshold for the best recall at a precision</option>
              </select>
            </label>
          )}
          {form.threshold && form.task === "classification" && form.validation.kind === "k_fold" && (
            <>
              {form.threshold.metric === "recall_at_precision" && (
                <label>
                  Precision at least
                  <input
                    type="number"
                    step="0.01"
                    min={0}
                    max={1}
                    data-testid="experiment-threshold-precision"
                    value={form.threshold.precision ?? 0.9}
                    onInput={(e) => form.threshold && update({ threshold: { ...form.threshold, precision: Number((e.currentTarget as HTMLInputElement).value) } })}
                  />
                </label>
              )}
              <label title="The class the threshold is for; empty: the second label in sorted order">
                Positive class
                <input
                  type="text"
                  data-testid="experiment-threshold-positive"
                  placeholder="second label"
                  value={form.threshold.positive ?? ""}
                  onInput={(e) => form.threshold && update({ threshold: { ...form.threshold, positive: (e.currentTarget as HTMLInputElement).value } })}
                />
              </label>
            </>
          )}
          <label>
            Seed
            <input type="number" value={form.seed} onInput={(e) => update({ seed: Number((e.currentTarget as HTMLInputElement).value) })} />
          </label>
          <label>
            Parallel trials
            <input type="number" min={0} value={form.parallelism} title="0: one per core" onInput={(e) => update({ parallelism: Number((e.currentTarget as HTMLInputElement).value) })} />
          </label>
        </div>
        {suggestion && suggestion.dataset === form.dataset && suggestion.columns.some((c) => c.note) && (
          <ul class="note small" data-testid="left-out-columns">
            {suggestion.columns
              .filter((c) => c.note)
              .map((c) => (
                <li>
                  <strong>{c.name}</strong> is not a feature by default: {c.note}
                </li>
              ))}
          </ul>
        )}
        {(loadError || runError || (tried && formErrors.length > 0)) && (
          <ul class="error" data-testid="error">
            {loadError && <li>{loadError}</li>}
            {tried && formErrors.map((e) => <li>{e}</li>)}
            {runError && <li>{runError}</li>}
          </ul>
        )}
        <div class="row">
          <button
            class="primary"
            data-testid="launch"
            disabled={running || trials === 0}
            title={trials === 0 ? "Choose at least one model" : undefined}
            onClick={() => void launch()}
          >
            Launch {trials} {trials === 1 ? "trial" : "trials"}
          </button>
          {running && (
            <button data-testid="cancel" disabled={cancelling} onClick={() => void cancel()}>
              {cancelling ? "Cancelling…" : "Cancel"}
            </button>
          )}
        </div>
      </section>
      <aside class="sidebar wide">
        {live && (
          <div data-testid="live-runs" ref={liveRef}>
            <h2>
              Experiment {live.experiment}: {done}/{live.runs.length} done
            </h2>
            <div class="scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>run</th>
                  <th>trial</th>
                  <th>status</th>
                  <th>progress</th>
                  <th>{metric ?? "metric"}</th>
                  <th>time</th>
                </tr>
              </thead>
              <tbody>
                {live.runs.map((r) => {
                  const run = r.run;
                  return (
                  <tr data-testid={`live-run-${run.id}`} data-status={run.status} title={run.error ?? ""}>
                    <td>{run.id}</td>
                    <td class="trial-cell" title={`${run.model} ${paramsText(run)}`}>
                      {run.model}
                      <div class="small muted params-cell">{paramsText(run)}</div>
                    </td>
                    <td class={`status ${run.status}`}>
                      {run.status === "pruned" && run.rung !== null ? `pruned at rung ${run.rung}` : run.status}
                      {run.error && run.status === "failed" && <div class="small error-text">{run.error}</div>}
                    </td>
                    <td data-testid={`live-progress-${run.id}`}>{progressText(r)}</td>
                    <td>{metric ? formatNumber(run.metrics[metric]?.mean) : ""}</td>
                    <td data-testid={`live-time-${run.id}`}>{timeText(r, now)}</td>
                  </tr>
                  );
                })}
              </tbody>
            </table>
            </div>
            {metric && live.runs.length > 1 && <SearchProgressChart runs={live.runs.map((r) => r.run)} metric={metric} />}
            {!running && (
              <div class="row">
                {live.runs.some((r) => ["cancelled", "interrupted", "queued"].includes(r.run.status)) && (
                  <button class="primary" data-testid="resume" onClick={() => void resume()}>
                    Resume
                  </button>
                )}
                <button data-testid="show-runs" onClick={props.onShowRuns}>
                  Compare in Runs
                </button>
                {props.onShowVendors && (
                  <button data-testid="show-vendors" onClick={() => props.onShowVendors?.(live.experiment)}>
                    Compare with vendors
                  </button>
                )}
              </div>
            )}
          </div>
        )}
        <h2>Experiments</h2>
        <ul class="list">
          {experiments.map((e) => (
            <li>
              <strong>
                {e.id}. {e.name}
              </strong>
              <span class="muted small">
                {e.runs} runs · {e.created_at.slice(0, 16).replace("T", " ")}
                {props.onShowVendors && (
                  <>
                    {" · "}
                    <button class="link small" data-testid={`experiment-vendors-${e.id}`} onClick={() => props.onShowVendors?.(e.id)}>
                      vendors &amp; compare
                    </button>
                  </>
                )}
              </span>
            </li>
          ))}
          {experiments.length === 0 && <li class="muted">None yet.</li>}
        </ul>
        <Studies refresh={experiments.length} />
      </aside>
    </div>
  );
}

/** A search's progress: each trial's score (pruned trials hollow, over the
 * folds they finished) and the best finished trial so far. */
function SearchProgressChart(props: { runs: RunInfo[]; metric: string }) {
  const points = searchProgress(props.runs, props.metric);
  const finished = points.filter((p) => p.status === "succeeded" && p.value !== null).map((p) => [p.trial, p.value]);
  const pruned = points.filter((p) => p.status === "pruned" && p.value !== null).map((p) => [p.trial, p.value]);
  const best = points.filter((p) => p.best !== null).map((p) => [p.trial, p.best]);
  const option: ChartOption = {
    title: { text: `Search progress: ${props.metric} by trial`, textStyle: { fontSize: 12 } },
    legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 48 },
    tooltip: { trigger: "item" },
    xAxis: { type: "value", name: "trial", minInterval: 1 },
    yAxis: { type: "value", scale: true },
    series: [
      { name: "best so far", type: "line", step: "end", data: best, symbol: "none" },
      { name: "finished", type: "scatter", data: finished, symbolSize: 7 },
      { name: "pruned", type: "scatter", data: pruned, symbol: "emptyCircle", symbolSize: 7, itemStyle: { color: "#8a8f98" } },
    ],
  };
  return (
    <div data-testid="search-progress" data-pruned={pruned.length} data-best={String(points[points.length - 1]?.best ?? "")}>
      <Chart option={option} height={220} />
    </div>
  );
}

/** The project's studies (specs with [[datasets]]): pick one to see its
 * models ranked across its datasets. */
function Studies(props: { refresh: number }) {
  const [studies, setStudies] = useState<string[]>([]);
  const [shown, setShown] = useState<DatasetComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call("list_studies", {})
      .then(setStudies)
      .catch((e: unknown) => setError(message(e)));
  }, [props.refresh]);
  if (studies.length === 0 && !error) return null;
  const show = (study: string) =>
    call("compare_datasets", { study })
      .then((c) => {
        setShown(c);
        setError(null);
      })
      .catch((e: unknown) => setError(message(e)));
  return (
    <div data-testid="studies">
      <h2>Across datasets</h2>
      <ul class="list">
        {studies.map((study) => (
          <li>
            <button class="link" data-testid={`study-${study}`} onClick={() => void show(study)}>
              {study}
            </button>
          </li>
        ))}
      </ul>
      {error && <p class="error">{error}</p>}
      {shown && <StudyComparison comparison={shown} />}
    </div>
  );
}
