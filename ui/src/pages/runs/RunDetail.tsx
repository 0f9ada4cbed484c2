// One run in full, shown when it is the only one selected: its experiment
// and dataset, parameters, each metric per fold with the mean and spread,
// the files it left (relative to the project), and which features its model
// leaned on (boosting) as bars.

import { Notes } from "../../components/Notes";
import { RunTags } from "./RunTags";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { ExperimentInfo, RunDetail } from "../../api/types";
import { call } from "../../api/client";
import { Chart, type ChartOption } from "../../components/Chart";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { parameterNames, parameterValue } from "../../lib/compare";
import { foldTable } from "../../lib/runs";
import { formatMs, formatNumber } from "../../lib/format";
import { saveCsv } from "../../lib/save";

/** The most features drawn: the rest carry little of the gain. */
const MAX_FEATURES = 20;

export function RunDetailView(props: { run: number; experiment: ExperimentInfo | undefined }) {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => {
    let current = true;
    setDetail(null);
    setFailure(null);
    call("show_run", { run: props.run })
      .then((d) => current && setDetail(d))
      .catch((e: unknown) => current && setFailure(failureOf(e)));
    return () => {
      current = false;
    };
  }, [props.run]);

  const importance = useMemo<ChartOption | null>(() => {
    const features = detail?.importance?.slice(0, MAX_FEATURES);
    if (!features || features.length === 0) return null;
    const shown = [...features].reverse();
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 140, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value", name: "share of gain", min: 0 },
      yAxis: { type: "category", data: shown.map((f) => f.feature) },
      series: [{ type: "bar", data: shown.map((f) => f.share), itemStyle: { color: "#3b7dd8" } }],
    };
  }, [detail]);

  if (failure) return <ApiErrorView failure={failure} testId="run-detail-error" />;
  if (!detail) return <p class="muted small">Reading run {props.run}…</p>;
  const { run } = detail;
  const table = foldTable(detail);
  // The model is in the heading.
  const names = parameterNames([run]).slice(1);
  return (
    <div class="panel run-detail" {...tid("run-detail")} data-run={run.id}>
      <div class="heading">
        <h3>
          Run {run.id} · {run.origin === "catalog" ? run.model : (run.name ?? run.model)}
        </h3>
        <span class={`status ${run.status}`}>{run.status}</span>
        <span class="muted small">
          {props.experiment ? `experiment ${props.experiment.name}` : `experiment ${run.experiment_id}`}
          {props.experiment?.dataset ? ` · dataset ${props.experiment.dataset}` : ""} · trial {run.trial} · {formatMs(run.wall_ms)} wall
          {run.cpu_ms !== null ? ` · ${formatMs(run.cpu_ms)} CPU` : ""}
        </span>
      </div>
      {run.error && (
        <p class="error small" {...tid("run-detail-why")}>
          {run.error}
        </p>
      )}
      <h3>Tags</h3>
      <RunTags run={run.id} tags={detail.tags} />
      <h3>Notes</h3>
      <Notes subject={{ kind: "run", id: run.id }} testId="run-notes" />
      <div class="detail-columns">
        <div>
          <h3>Parameters</h3>
          {names.length === 0 ? (
            <p class="muted small">None.</p>
          ) : (
            <table class="table compact facts" {...tid("run-detail-params")}>
              <tbody>
                {names.map((p) => (
                  <tr>
                    <th>{p}</th>
                    <td>{parameterValue(run, p)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3>Files</h3>
          {detail.files.length === 0 ? (
            <p class="muted small">None.</p>
          ) : (
            <ul class="files small" {...tid("run-detail-files")}>
              {detail.files.map((f) => (
                <li>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <h3>
        Metrics per fold{" "}
        <span class="muted small">
          {table.folds === 0 ? "no folds finished" : `${table.folds} fold${table.folds === 1 ? "" : "s"}${run.status !== "succeeded" ? " finished" : ""}`}
        </span>{" "}
        {table.rows.length > 0 && (
          <button
            class="link small"
            {...tid("run-detail-csv")}
            onClick={() =>
              saveCsv(
                `run ${run.id} folds`,
                ["metric", ...Array.from({ length: table.folds }, (_, i) => `fold ${i + 1}`), "mean", "std"],
                table.rows.map((row) => [row.metric, ...row.values, row.mean, row.std]),
              )
            }
          >
            Save CSV
          </button>
        )}
      </h3>
      {table.rows.length > 0 && (
        <div class="scroll">
          <table class="table compact" {...tid("run-detail-folds")}>
            <thead>
              <tr>
                <th>metric</th>
                {Array.from({ length: table.folds }, (_, i) => (
                  <th class="num">fold {i + 1}</th>
                ))}
                <th class="num">mean</th>
                <th class="num">std</th>
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr>
                  <th>{row.metric}</th>
                  {row.values.map((v) => (
                    <td class="num">{formatNumber(v)}</td>
                  ))}
                  <td class="num">
                    <strong>{formatNumber(row.mean)}</strong>
                  </td>
                  <td class="num muted">{formatNumber(row.std)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {importance && (
        <>
          <h3>
            Feature importance <span class="muted small">share of the trained model's total gain, top {Math.min(MAX_FEATURES, detail.importance?.length ?? 0)}</span>
          </h3>
          <div {...tid("run-detail-importance")}>
            <Chart option={importance} height={Math.max(160, 22 * Math.min(MAX_FEATURES, detail.importance?.length ?? 0) + 40)} />
          </div>
        </>
      )}
    </div>
  );
}
