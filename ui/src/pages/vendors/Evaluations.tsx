// Evaluating a vendor on an experiment's test rows: the launcher (vendor,
// experiment, spend cap), live progress from `evaluation` events, Cancel
// while it runs, the outcome (status, metrics, latency, cost, failures by
// kind), and past evaluations with their rows, failed ones first.
// The first event (done 0) arrives as soon as the evaluation is recorded:
// its id is what later events are matched by, and what Cancel sends.

import { useEffect, useRef, useState } from "preact/hooks";
import type { EvaluationDetail, EvaluationInfo, EvaluationProgress, ExperimentInfo, VendorInfo } from "../../api/types";
import { call, newJobId, onEvent } from "../../api/client";
import { formatMs } from "../../lib/format";
import {
  FAILURE_LABELS,
  formatCost,
  formatLatency,
  formatMeanStd,
  formatRate,
  formatThroughput,
  isWrongLabel,
  outcomeSentence,
  parseOptional,
  progressOf,
  watchedProgress,
  type WatchedEvaluation,
} from "../../lib/vendors";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { ExperimentSelect } from "../../components/ExperimentSelect";

function experimentName(experiments: ExperimentInfo[], id: number): string {
  const e = experiments.find((x) => x.id === id);
  return e ? `${e.id}. ${e.name}` : `experiment ${id}`;
}

/** The metric a list leads with: accuracy or R², else the first. */
function headline(info: EvaluationInfo): string | undefined {
  const names = Object.keys(info.summary.metrics);
  return names.find((m) => m === "accuracy" || m === "r2") ?? names.sort()[0];
}

export function EvaluationPanel(props: {
  vendors: VendorInfo[];
  /** The vendor to start with, when it exists (one just added from the Models page). */
  preferredVendor?: string | null;
  experiments: ExperimentInfo[];
  evaluations: EvaluationInfo[];
  experiment: number | null;
  onExperiment: (experiment: number | null) => void;
  onFinished: (info: EvaluationInfo | null) => void;
}) {
  const [vendor, setVendor] = useState("");
  const [spendCap, setSpendCap] = useState("");
  const [capError, setCapError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<EvaluationProgress | null>(null);
  const [outcome, setOutcome] = useState<EvaluationInfo | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [cancelling, setCancelling] = useState(false);
  // Which evaluation the events are about: the vendor and experiment launched, then the id the first event carries.
  const watching = useRef<WatchedEvaluation | null>(null);

  useEffect(() => {
    // Keeps a choice made meanwhile (the select may change before this runs).
    setVendor((current) => {
      if (props.vendors.some((v) => v.name === current)) return current;
      const preferred = props.vendors.find((v) => v.name === props.preferredVendor);
      return preferred?.name ?? props.vendors[0]?.name ?? "";
    });
  }, [props.vendors]);

  useEffect(
    () =>
      onEvent((event) => {
        if (event.kind !== "evaluation") return;
        const w = watching.current;
        const id = watchedProgress(w, event.progress);
        if (!w || id === null) return;
        w.id = id;
        setProgress(event.progress);
      }),
    [],
  );

  const chosen = props.vendors.find((v) => v.name === vendor);
  const start = async () => {
    const cap = parseOptional(spendCap, "Spend cap");
    if (!cap.ok) {
      setCapError(cap.error);
      return;
    }
    if (props.experiment === null) {
      setFailure({ code: null, message: "Choose the experiment whose test rows are sent.", field: "experiment" });
      return;
    }
    setCapError(null);
    setFailure(null);
    setOutcome(null);
    setProgress(null);
    setCancelling(false);
    setRunning(true);
    watching.current = { vendor, experiment: props.experiment, id: null };
    try {
      const info = await call("evaluate_vendor", { vendor, experiment: props.experiment, spend_cap: cap.value }, { job: newJobId() });
      setOutcome(info);
      props.onFinished(info);
    } catch (e) {
      setFailure(failureOf(e));
      props.onFinished(null);
    } finally {
      watching.current = null;
      setRunning(false);
      setCancelling(false);
    }
  };

  // The id is known from the first event; the evaluation stops at its next call.
  const evaluationId = running ? (progress?.evaluation ?? null) : null;
  const cancel = async () => {
    if (evaluationId === null) return;
    setCancelling(true);
    try {
      await call("cancel_evaluation", { evaluation: evaluationId });
    } catch (e) {
      setFailure(failureOf(e));
      setCancelling(false);
    }
  };

  const status = running ? "running" : (outcome?.status ?? (failure ? "failed" : "idle"));
  const live = progress ? progressOf(progress) : null;
  return (
    <div>
      <h2>Evaluate a vendor</h2>
      <div class="form">
        <label>
          Vendor
          <select {...tid("evaluate-vendor")} value={vendor} onChange={(e) => setVendor(e.currentTarget.value)}>
            {props.vendors.length === 0 && <option value="">add a vendor first</option>}
            {props.vendors.map((v) => (
              <option value={v.name}>{v.name}</option>
            ))}
          </select>
        </label>
        <label>
          Experiment (its test rows)
          <ExperimentSelect experiments={props.experiments} value={props.experiment} onChange={props.onExperiment} testId="evaluate-experiment" />
        </label>
        <label>
          Spend cap (US dollars, optional)
          <input {...tid("evaluate-spend-cap")} type="number" min={0} step="any" class={capError ? "invalid" : ""} placeholder="no cap" value={spendCap} onInput={(e) => setSpendCap(e.currentTarget.value)} />
          {capError && <span class="error small">{capError}</span>}
        </label>
      </div>
      {chosen && chosen.secret_env !== null && !chosen.secret_available && (
        <p class="error small" data-testid="evaluate-secret-warning">
          {chosen.secret_env} is not set in the Data Lab process: the service will refuse the calls.
        </p>
      )}
      <div class="row">
        <button class="primary" {...tid("evaluate-start")} disabled={running || vendor === "" || props.experiment === null} onClick={() => void start()}>
          {running ? "Evaluating…" : "Evaluate"}
        </button>
        {running && (
          <button
            {...tid("evaluate-cancel")}
            data-evaluation={evaluationId ?? ""}
            disabled={cancelling || evaluationId === null}
            title={evaluationId === null ? "Waiting for the evaluation to be recorded" : "Stops at the next call; the rows not sent are recorded as not sent"}
            onClick={() => void cancel()}
          >
            {cancelling ? "Cancelling…" : "Cancel"}
          </button>
        )}
        <span class="muted small">
          {cancelling
            ? "Stopping at the next call: the rows not sent are recorded as not sent, the answered ones are scored."
            : "Answers are cached: evaluating again costs nothing for rows already answered."}
        </span>
      </div>
      <p class="small" {...tid("evaluation-status")} data-status={status}>
        {status === "idle" ? "" : <span class={`status ${status}`}>{status}</span>}
        {outcome && <span> — {outcomeSentence(outcome)}</span>}
      </p>
      {running && (
        <div class="progress" {...tid("evaluation-progress")}>
          <div class="bar" style={{ width: `${100 * (live?.share ?? 0)}%` }} />
          <span>{live ? live.text : "Starting…"}</span>
        </div>
      )}
      <ApiErrorView failure={failure} testId="evaluate-error" />
      {outcome && (
        <div {...tid("evaluation-result")}>
          <EvaluationView info={outcome} experiments={props.experiments} />
        </div>
      )}
      <PastEvaluations evaluations={props.evaluations} experiments={props.experiments} />
    </div>
  );
}

/** An evaluation's outcome: what it measured and what went wrong. */
function EvaluationView(props: { info: EvaluationInfo; experiments: ExperimentInfo[] }) {
  const { info } = props;
  const s = info.summary;
  const metrics = Object.entries(s.metrics).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div class="panel evaluation" data-status={info.status}>
      <h3>
        Evaluation {info.id}: {info.vendor} on {experimentName(props.experiments, info.experiment_id)} —{" "}
        <span class={`status ${info.status}`}>{info.status}</span>
      </h3>
      <p class="small">{outcomeSentence(info)}</p>
      <div class="facts-grid">
        <table class="table compact facts">
          <tbody>
            <tr>
              <th>rows</th>
              <td>
                {s.answered.toLocaleString("en-US")} answered, {s.failed.toLocaleString("en-US")} failed of {s.rows.toLocaleString("en-US")} ({formatRate(s.rows > 0 ? s.failed / s.rows : null)}{" "}
                errors)
              </td>
            </tr>
            <tr>
              <th>calls</th>
              <td>
                {s.calls.toLocaleString("en-US")} ({s.cached_calls.toLocaleString("en-US")} from the cache)
              </td>
            </tr>
            <tr>
              <th>latency</th>
              <td data-testid="evaluation-latency">
                {s.latency
                  ? `p50 ${formatLatency(s.latency.p50)} · p95 ${formatLatency(s.latency.p95)} · p99 ${formatLatency(s.latency.p99)}`
                  : "–"}
              </td>
            </tr>
            <tr>
              <th>throughput</th>
              <td>{s.throughput_per_s === null ? "– (answered from the cache)" : `${formatThroughput(s.throughput_per_s)} rows`}</td>
            </tr>
            <tr>
              <th>cost per 1,000</th>
              <td>{formatCost(s.cost_per_1000)}</td>
            </tr>
            <tr>
              <th>spent</th>
              <td data-testid="evaluation-spent">
                {formatCost(s.spent)}
                {info.spend_cap !== null && <span class="muted"> of a {formatCost(info.spend_cap)} cap</span>}
              </td>
            </tr>
            <tr>
              <th>tokens</th>
              <td>
                {s.input_tokens.toLocaleString("en-US")} in · {s.output_tokens.toLocaleString("en-US")} out
              </td>
            </tr>
            <tr>
              <th>wall time</th>
              <td>{formatMs(info.wall_ms)}</td>
            </tr>
          </tbody>
        </table>
        <table class="table compact" data-testid="evaluation-metrics">
          <thead>
            <tr>
              <th>metric</th>
              <th>mean ± std over folds</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map(([name, m]) => (
              <tr>
                <td>{name}</td>
                <td>{formatMeanStd(m)}</td>
              </tr>
            ))}
            {metrics.length === 0 && (
              <tr>
                <td colSpan={2} class="muted">
                  No metrics: no row was answered.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {s.failures.length > 0 && (
        <>
          <h3>Failures by kind</h3>
          <table class="table compact" data-testid="evaluation-failures">
            <thead>
              <tr>
                <th>kind</th>
                <th>rows</th>
                <th>for example</th>
              </tr>
            </thead>
            <tbody>
              {s.failures.map((f) => (
                <tr data-kind={f.kind}>
                  <td>{FAILURE_LABELS[f.kind]}</td>
                  <td>{f.rows.toLocaleString("en-US")}</td>
                  <td class="wrap">{f.example}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function PastEvaluations(props: { evaluations: EvaluationInfo[]; experiments: ExperimentInfo[] }) {
  const [selected, setSelected] = useState<number | null>(null);
  const [detail, setDetail] = useState<EvaluationDetail | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    if (selected === null) return;
    setFailure(null);
    call("show_evaluation", { evaluation: selected })
      .then(setDetail)
      .catch((e: unknown) => {
        setDetail(null);
        setFailure(failureOf(e));
      });
  }, [selected]);

  const newestFirst = [...props.evaluations].sort((a, b) => b.id - a.id);
  return (
    <div class="past">
      <h2>Past evaluations</h2>
      <div class="scroll">
        <table class="table compact" {...tid("evaluation-list")}>
          <thead>
            <tr>
              <th>id</th>
              <th>vendor</th>
              <th>experiment</th>
              <th>status</th>
              <th>answered</th>
              <th>score</th>
              <th>p95</th>
              <th>spent</th>
              <th>started</th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((e) => {
              const metric = headline(e);
              return (
                <tr data-testid={`evaluation-${e.id}`} class={e.id === selected ? "selected clickable" : "clickable"} onClick={() => setSelected(e.id)}>
                  <td>{e.id}</td>
                  <td>{e.vendor}</td>
                  <td>{experimentName(props.experiments, e.experiment_id)}</td>
                  <td class={`status ${e.status}`}>{e.status}</td>
                  <td>
                    {e.summary.answered.toLocaleString("en-US")}/{e.summary.rows.toLocaleString("en-US")}
                  </td>
                  <td>{metric ? `${metric} ${formatMeanStd(e.summary.metrics[metric])}` : "–"}</td>
                  <td>{formatLatency(e.summary.latency?.p95)}</td>
                  <td>{formatCost(e.summary.spent)}</td>
                  <td>{e.started_at.slice(0, 16).replace("T", " ")}</td>
                </tr>
              );
            })}
            {newestFirst.length === 0 && (
              <tr>
                <td colSpan={9} class="muted">
                  None yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <ApiErrorView failure={failure} testId="evaluation-detail-error" />
      {detail && detail.evaluation.id === selected && (
        <div {...tid("evaluation-detail")}>
          <EvaluationView info={detail.evaluation} experiments={props.experiments} />
          <h3>
            Rows{" "}
            <span class="muted small">
              failed first · {detail.rows.length.toLocaleString("en-US")} of {detail.rows_total.toLocaleString("en-US")} shown
            </span>
          </h3>
          <div class="scroll">
            <table class="table compact" {...tid("evaluation-rows")}>
              <thead>
                <tr>
                  <th>row</th>
                  <th>truth</th>
                  <th>answer</th>
                  <th>failure</th>
                  <th>latency</th>
                  <th>attempts</th>
                  <th>cost</th>
                  <th>cached</th>
                </tr>
              </thead>
              <tbody>
                {detail.rows.map((r) => (
                  <tr class={r.failure_kind ? "failed-row" : ""} data-failed={String(r.failure_kind !== null)}>
                    <td>{r.row}</td>
                    <td>{r.truth ?? "–"}</td>
                    <td class={isWrongLabel(r.truth, r.answer) ? "error" : ""}>{r.answer ?? "–"}</td>
                    <td class="wrap">
                      {r.failure_kind ? (
                        <>
                          <strong>{FAILURE_LABELS[r.failure_kind]}</strong>
                          {r.failure ? `: ${r.failure}` : ""}
                        </>
                      ) : (
                        ""
                      )}
                    </td>
                    <td>{formatLatency(r.latency_ms)}</td>
                    <td>{r.attempts}</td>
                    <td>{formatCost(r.cost)}</td>
                    <td>{r.cached ? "yes" : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
