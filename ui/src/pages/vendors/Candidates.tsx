// Comparing an experiment's candidates — its local runs and the latest
// evaluation of each vendor — against the project's agreements: the
// agreements editor (`set_agreements`), the table from `compare_candidates`
// with the best marked (it scrolls sideways under a fixed first column,
// numbers to the right), and score against p95 latency as a scatter. Local
// and vendor latencies are different times — one row through the saved model
// in this process, one HTTP call's round trip — and every header, legend
// and tooltip says which is which.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { CandidateComparison, ExperimentInfo } from "../../api/types";
import { call } from "../../api/client";
import { Chart, type ChartOption } from "../../components/Chart";
import { formatMs, formatNumber } from "../../lib/format";
import {
  agreementsForm,
  bestOnMetric,
  buildAgreements,
  candidateKey,
  formatCost,
  formatLatency,
  formatMeanStd,
  formatRate,
  formatThroughput,
  hasAgreements,
  keyMetrics,
  scoreLatencyPoints,
  sortCandidates,
  type AgreementsForm,
  type ChartPoint,
} from "../../lib/vendors";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { saveCsv } from "../../lib/save";
import { ExperimentSelect } from "../../components/ExperimentSelect";

const EMPTY_FORM: AgreementsForm = { metric: "", minMetric: "", maxP95Ms: "", maxCostPer1000: "", maxErrorRatePercent: "" };

/** What a latency of each kind of candidate measures, for headers and tooltips. */
const LOCAL_TIME = "local: one row through the saved model, in process";
const VENDOR_TIME = "vendor: one HTTP call, round trip";
const latencyTitle = (percentile: string) => `Latency of one prediction, ${percentile} percentile. ${LOCAL_TIME}; ${VENDOR_TIME}.`;

/** The chart's series: their names are what the legend shows. */
const LOCAL_SERIES = "local (in process, per row)";
const VENDOR_SERIES = "vendor (HTTP, per call)";

export function ComparePanel(props: {
  experiments: ExperimentInfo[];
  experiment: number | null;
  onExperiment: (experiment: number | null) => void;
  /** Changes when an evaluation finishes: the comparison is fetched again. */
  refresh: number;
}) {
  const [form, setForm] = useState<AgreementsForm>(EMPTY_FORM);
  const [formErrors, setFormErrors] = useState<Partial<Record<keyof AgreementsForm, string>>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [comparison, setComparison] = useState<CandidateComparison | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [reload, setReload] = useState(0);
  const [ownAgreements, setOwnAgreements] = useState(false);

  useEffect(() => {
    call("get_agreements", {})
      .then((a) => setForm(agreementsForm(a)))
      .catch((e: unknown) => setFailure(failureOf(e)));
  }, []);

  useEffect(() => {
    if (props.experiment === null) {
      setComparison(null);
      return;
    }
    call("compare_candidates", { experiment: props.experiment })
      .then((c) => {
        setComparison(c);
        setFailure(null);
      })
      .catch((e: unknown) => {
        setComparison(null);
        setFailure(failureOf(e));
      });
  }, [props.experiment, props.refresh, reload]);

  const update = (patch: Partial<AgreementsForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setFormErrors({});
    setSaved(null);
  };
  const save = async () => {
    const built = buildAgreements(form);
    if (!built.ok) {
      setFormErrors(built.errors);
      return;
    }
    try {
      // For this experiment only, or the project's (which hold for experiments of their metric's task).
      const agreements =
        ownAgreements && props.experiment !== null
          ? (await call("set_experiment_agreements", { experiment: props.experiment, agreements: built.agreements })).agreements
          : await call("set_agreements", built.agreements);
      setForm(agreementsForm(agreements));
      setSaved(hasAgreements(agreements) ? "Saved." : "Saved: no agreements, every candidate is judged on its score.");
      setFailure(null);
      setReload((n) => n + 1);
    } catch (e) {
      setFailure(failureOf(e));
    }
  };

  const metrics = useMemo(() => {
    const names = new Set<string>();
    for (const c of comparison?.candidates ?? []) for (const m of Object.keys(c.metrics)) names.add(m);
    if (form.metric !== "") names.add(form.metric);
    return [...names].sort();
  }, [comparison, form.metric]);

  const input = (key: keyof AgreementsForm, id: string, label: string, placeholder: string) => (
    <label>
      {label}
      <input {...tid(id)} type="number" step="any" class={formErrors[key] ? "invalid" : ""} placeholder={placeholder} value={form[key]} onInput={(e) => update({ [key]: e.currentTarget.value })} />
      {formErrors[key] && <span class="error small">{formErrors[key]}</span>}
    </label>
  );

  return (
    <div>
      <div class="heading">
        <h2>Compare</h2>
        <label class="small">
          Experiment{" "}
          <ExperimentSelect experiments={props.experiments} value={props.experiment} onChange={props.onExperiment} testId="compare-experiment" />
        </label>
        <span class="muted small">its succeeded runs and each vendor's latest finished evaluation, on the same test rows</span>
      </div>

      <div class="panel" {...tid("agreements")}>
        <h3>
          Agreements <span class="muted small">what the chosen model must meet; empty: no agreement. They apply to every experiment of the project.</span>
        </h3>
        <div class="form">
          <label>
            Metric
            <select {...tid("agreement-metric")} value={form.metric} onChange={(e) => update({ metric: e.currentTarget.value })}>
              <option value="">headline (accuracy or R²)</option>
              {metrics.map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
          </label>
          {input("minMetric", "agreement-min-metric", comparison && !comparison.higher_is_better ? "Metric at most" : "Metric at least", "0.9")}
          {input("maxP95Ms", "agreement-max-p95", "p95 latency at most (ms)", "500")}
          {input("maxCostPer1000", "agreement-max-cost", "Cost per 1,000 at most ($)", "1.00")}
          {input("maxErrorRatePercent", "agreement-max-error-rate", "Error rate at most (%)", "1")}
        </div>
        <div class="row">
          <label class="small">
            <input type="checkbox" {...tid("agreements-own")} checked={ownAgreements} disabled={props.experiment === null} onChange={(e) => setOwnAgreements(e.currentTarget.checked)} /> for this experiment only
          </label>
          <button class="primary" {...tid("agreements-save")} onClick={() => void save()}>
            Save agreements
          </button>
          {comparison && (
            <span class="small muted" {...tid("agreements-source")}>
              {comparison.agreements_source === "experiment"
                ? "This experiment is judged by its own agreements."
                : comparison.agreements_source === "project"
                  ? "This experiment is judged by the project's agreements."
                  : "No agreements apply to this experiment (the project's are on another task's metric)."}
            </span>
          )}
          {saved && (
            <span class="small" {...tid("agreements-status")}>
              {saved}
            </span>
          )}
        </div>
      </div>

      <ApiErrorView failure={failure} testId="compare-error" />
      {props.experiment === null && <p class="muted">Choose an experiment to compare its candidates.</p>}
      {comparison && <CandidatesView comparison={comparison} />}
    </div>
  );
}

function CandidatesView(props: { comparison: CandidateComparison }) {
  const c = props.comparison;
  const rows = sortCandidates(c.candidates, c.higher_is_better);
  const others = keyMetrics(c.candidates, c.metric);
  const agreed = hasAgreements(c.agreements);
  if (rows.length === 0) {
    return (
      <p class="muted" data-testid="candidates-empty">
        No candidates yet: this experiment has no succeeded run and no finished vendor evaluation.
      </p>
    );
  }
  // The file has every metric, not only the few the table shows.
  const metricNames = [c.metric, ...keyMetrics(c.candidates, c.metric, Number.MAX_SAFE_INTEGER)];
  const save = () =>
    saveCsv(
      `candidates of experiment ${c.experiment}`,
      [
        "kind",
        "name",
        "best",
        "meets agreements",
        ...metricNames.flatMap((m) => [`${m} mean`, `${m} std`]),
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "rows per s",
        "cost per 1000",
        "error rate",
        "train ms",
        "misses",
        "caution",
      ],
      rows.map((x) => [
        x.kind,
        x.name,
        x.best,
        x.meets,
        ...metricNames.flatMap((m) => [x.metrics[m]?.mean, x.metrics[m]?.std]),
        x.latency?.p50,
        x.latency?.p95,
        x.latency?.p99,
        x.throughput_per_s,
        x.cost_per_1000,
        x.error_rate,
        x.train_ms,
        x.misses.join("; "),
        x.caution ?? "",
      ]),
    );
  return (
    <>
      <div class="row">
        <button class="link small" {...tid("candidates-csv")} onClick={save}>
          Save the table as CSV
        </button>
      </div>
      <div class="scroll wide-table candidates-scroll">
        <table class="table compact candidates" {...tid("candidates-table")}>
          <thead>
            <tr>
              <th>candidate</th>
              <th class="num" title={c.higher_is_better ? "Higher is better" : "Lower is better"}>
                {c.metric} <span class="muted small">{c.higher_is_better ? "↑" : "↓"}</span>
              </th>
              <th>agreements</th>
              {others.map((m) => (
                <th class="num">{m}</th>
              ))}
              <th class="num" title={latencyTitle("50th")}>p50</th>
              <th class="num" title={latencyTitle("95th")}>p95</th>
              <th class="num" title={latencyTitle("99th")}>p99</th>
              <th class="num" title="Throughput: predictions per second">rows/s</th>
              <th class="num" title="Cost per 1,000 predictions (a local model's is not priced)">$ / 1k</th>
              <th class="num" title="Share of the test rows that failed">errors</th>
              <th class="num" title="Training time of the run">train</th>
              <th class="num" title="A local run's batch inference time for 1,000 rows, in process">batch / 1k</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((x) => (
              <tr class={x.best ? "candidate-best" : ""} data-testid={`candidate-${candidateKey(x)}`} data-meets={x.meets === null ? "none" : String(x.meets)}>
                <td class="name">
                  <span class={`kind ${x.kind}`}>{x.kind}</span>{" "}
                  {x.best && (
                    <span class="badge" data-testid="candidate-best-badge">
                      best
                    </span>
                  )}{" "}
                  {x.name}
                  {x.caution && (
                    <div class="caution" data-testid={`candidate-caution-${candidateKey(x)}`}>
                      ⚠ {x.caution}
                    </div>
                  )}
                </td>
                <td class={x.best ? "num best" : "num"}>{x.metrics[c.metric] ? formatMeanStd(x.metrics[c.metric]) : formatNumber(x.score)}</td>
                <td class="agreement">
                  {x.meets === null ? (
                    <span class="muted" title="No agreements set">
                      —
                    </span>
                  ) : x.meets ? (
                    <span class="status succeeded">✓ meets</span>
                  ) : (
                    <span class="status failed">
                      ✗ {x.misses.join("; ")}
                    </span>
                  )}
                </td>
                {others.map((m) => (
                  <td class={bestOnMetric(c.candidates, m, x) ? "num best" : "num"}>{formatMeanStd(x.metrics[m])}</td>
                ))}
                <td class="num">{formatLatency(x.latency?.p50)}</td>
                <td class="num">{formatLatency(x.latency?.p95)}</td>
                <td class="num">{formatLatency(x.latency?.p99)}</td>
                <td class="num">{formatThroughput(x.throughput_per_s)}</td>
                <td class="num">{formatCost(x.cost_per_1000)}</td>
                <td class="num">{formatRate(x.error_rate)}</td>
                <td class="num">{formatMs(x.train_ms)}</td>
                <td class="num">{formatLatency(x.inference_ms_per_1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">
        {agreed
          ? "The best candidate meets every agreement with the best score, then the lowest cost, then the lowest p95 latency."
          : "No agreements: the best candidate has the best score, then the lowest cost, then the lowest p95 latency."}{" "}
        A candidate marked ⚠ learned from the rows it is scored on and is never the best.{" "}
        A local model's cost per prediction is not priced (its compute is yours).{" "}
        p50/p95/p99 are the latency of one prediction — {LOCAL_TIME}; {VENDOR_TIME} — so a vendor's includes the network.
      </p>
      <ScoreLatencyChart comparison={c} />
    </>
  );
}

function ScoreLatencyChart(props: { comparison: CandidateComparison }) {
  const c = props.comparison;
  const points = useMemo(() => scoreLatencyPoints(c), [c]);
  const option = useMemo<ChartOption>(() => {
    const item = (p: ChartPoint) => ({ value: [p.x, p.y], name: p.name, symbolSize: p.size, cost: p.cost, local: points.local.includes(p) });
    return {
      tooltip: {
        trigger: "item",
        formatter: (params: { data: { value: [number, number]; name: string; cost: number | null; local: boolean } }) =>
          `${params.data.name}<br/>${c.metric} ${params.data.value[1].toFixed(4)}<br/>p95 ${formatLatency(params.data.value[0])} ${
            params.data.local ? "(one row through the saved model, in process)" : "(one HTTP call, round trip)"
          }<br/>cost / 1,000 ${formatCost(params.data.cost)}`,
      },
      legend: { data: [LOCAL_SERIES, VENDOR_SERIES, "best"], top: 0, right: 10 },
      grid: { left: 60, right: 30, top: 40, bottom: 50 },
      // Two kinds of time on one axis, said plainly: a local run's is one row through its
      // saved model in this process; a vendor's is an HTTP call's round trip.
      xAxis: { type: "log", name: "p95 latency (ms, log): local = one row in process · vendor = one HTTP call", nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "value", name: c.metric, scale: true },
      series: [
        { name: LOCAL_SERIES, type: "scatter", data: points.local.map(item), itemStyle: { color: "#3b7dd8" } },
        { name: VENDOR_SERIES, type: "scatter", data: points.vendor.map(item), itemStyle: { color: "#e07b39" } },
        {
          name: "best",
          type: "scatter",
          z: 3,
          data: points.best ? [{ ...item(points.best), symbolSize: points.best.size + 12 }] : [],
          itemStyle: { color: "transparent", borderColor: "#2d7d46", borderWidth: 3 },
          label: { show: true, position: "top", formatter: "best", color: "#2d7d46", fontWeight: "bold" },
        },
      ],
    };
  }, [points, c.metric]);
  if (points.local.length + points.vendor.length === 0) return null;
  return (
    <div class="panel chart-panel">
      <h3>
        {c.metric} against p95 latency{" "}
        <span class="muted small">
          point size: cost per 1,000 · blue: local (one row through the saved model, in process, no network) · orange:
          vendor (one HTTP call, round trip)
        </span>
      </h3>
      <Chart option={option} height={320} testId="candidates-chart" />
      {points.omitted.length > 0 && <p class="muted small">Not drawn (no score or no latency): {points.omitted.join(", ")}.</p>}
    </div>
  );
}
