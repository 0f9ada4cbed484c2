// The live runs of the sweep launched last: kept outside the page, and
// shown as a table — each trial's status, folds done, step inside the fold,
// score and time with an estimate of the rest — with the search's progress,
// Resume for a stopped sweep, and the ways on to Runs and Vendors.

import type { Ref } from "preact";
import type { RunInfo, TrialStage } from "../../api/types";
import { onEvent } from "../../api/client";
import { tid } from "../../components/ApiError";
import { headlineMetric } from "../../lib/compare";
import { formatMs, formatNumber } from "../../lib/format";
import { keep } from "../../lib/persist";
import { SearchProgressChart } from "./SearchProgressChart";

export interface LiveRun {
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

export interface LiveState {
  experiment: number;
  runs: LiveRun[];
}

/** Where the live state is kept (lib/persist.ts). */
export const LIVE_KEY = "experiments.live";

// The live runs are kept outside the page: a sweep goes on while the user
// looks at another page, and its events land here all the same.
let listening = false;
export function listenForRuns(): void {
  if (listening) return;
  listening = true;
  onEvent((event) => {
    if (event.kind !== "run") return;
    const e = event.event;
    keep<LiveState | null>(LIVE_KEY, null, (current) => {
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

export function LiveRuns(props: {
  live: LiveState;
  running: boolean;
  /** The clock running trials' times are read against (ms). */
  now: number;
  panelRef: Ref<HTMLDivElement>;
  onResume: () => void;
  onShowRuns: () => void;
  onShowVendors?: (experiment: number) => void;
}) {
  const { live, running, now } = props;
  const metric = headlineMetric(live.runs.map((r) => r.run).filter((r) => r.status === "succeeded"));
  const done = live.runs.filter((r) => !["queued", "running"].includes(r.run.status)).length;
  return (
    <div {...tid("live-runs")} ref={props.panelRef}>
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
            <button class="primary" {...tid("resume")} onClick={props.onResume}>
              Resume
            </button>
          )}
          <button {...tid("show-runs")} onClick={props.onShowRuns}>
            Compare in Runs
          </button>
          {props.onShowVendors && (
            <button {...tid("show-vendors")} onClick={() => props.onShowVendors?.(live.experiment)}>
              Compare with vendors
            </button>
          )}
        </div>
      )}
    </div>
  );
}
