// The ledger: compute time of runs (by experiment, model and day), vendor
// spend (by vendor and day or month, with the tokens behind it), and the
// monthly budgets evaluations must stay within — charts, tables and CSV.

import { useEffect, useMemo, useState } from "preact/hooks";
import { call } from "../api/client";
import type { ComputeSum, Inventory, Ledger, SpendSum, StorageTargetInfo, VendorInfo } from "../api/types";
import { formatBytes } from "../lib/format";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { Chart, type ChartOption } from "../components/Chart";
import { spendSeries, timeUnit } from "../lib/ledger";
import { saveCsv } from "../lib/save";

function ComputeTable(props: { title: string; sums: ComputeSum[]; testId: string }) {
  return (
    <div>
      <div class="heading">
        <h3>{props.title}</h3>
        <button class="link small" data-testid={`${props.testId}-csv`} onClick={() => saveCsv(props.testId, ["key", "runs", "wall_ms", "cpu_ms"], props.sums.map((s) => [s.key, s.runs, s.wall_ms, s.cpu_ms]))}>
          CSV
        </button>
      </div>
      <table class="small" {...tid(props.testId)}>
        <thead>
          <tr>
            <th />
            <th class="num">runs</th>
            <th class="num">wall</th>
            <th class="num">CPU</th>
          </tr>
        </thead>
        <tbody>
          {props.sums.map((s) => (
            <tr>
              <td>{s.key}</td>
              <td class="num">{s.runs}</td>
              <td class="num">{(s.wall_ms / 1000).toFixed(1)} s</td>
              <td class="num">{(s.cpu_ms / 1000).toFixed(1)} s</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SpendTable(props: { sums: SpendSum[]; testId: string }) {
  const header = ["vendor", "period", "cost", "input_tokens", "output_tokens", "rows", "cached_rows", "evaluations"];
  return (
    <div>
      <div class="heading">
        <h3>Vendor spend</h3>
        <button class="link small" data-testid={`${props.testId}-csv`} onClick={() => saveCsv(props.testId, header, props.sums.map((s) => [s.vendor, s.period, s.cost, s.input_tokens, s.output_tokens, s.rows, s.cached_rows, s.evaluations]))}>
          CSV
        </button>
      </div>
      <table class="small" {...tid(props.testId)}>
        <thead>
          <tr>
            <th>vendor</th>
            <th>period</th>
            <th class="num">cost</th>
            <th class="num">tokens in / out</th>
            <th class="num">rows (cached)</th>
          </tr>
        </thead>
        <tbody>
          {props.sums.map((s) => (
            <tr>
              <td>{s.vendor}</td>
              <td>{s.period}</td>
              <td class="num">{s.cost.toFixed(4)}</td>
              <td class="num">
                {s.input_tokens} / {s.output_tokens}
              </td>
              <td class="num">
                {s.rows} ({s.cached_rows})
              </td>
            </tr>
          ))}
          {props.sums.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No vendor evaluated yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export function LedgerPage() {
  const [ledger, setLedger] = useState<Ledger | null>(null);
  const [vendors, setVendors] = useState<VendorInfo[]>([]);
  const [daily, setDaily] = useState(false);
  const [budgetVendor, setBudgetVendor] = useState("");
  const [budgetLimit, setBudgetLimit] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [targets, setTargets] = useState<StorageTargetInfo[]>([]);
  const [target, setTarget] = useState("");
  const [inventory, setInventory] = useState<Inventory | null>(null);
  const [counting, setCounting] = useState(false);
  const load = () =>
    Promise.all([call("ledger", {}), call("list_vendors", {}), call("list_storage", {})])
      .then(([l, v, t]) => {
        setLedger(l);
        setVendors(v);
        setTargets(t);
        setTarget((current) => current || t[0]?.name || "");
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  useEffect(() => void load(), []);
  const spend = ledger ? (daily ? ledger.spend_by_day : ledger.spend_by_month) : [];
  const computeChart = useMemo<ChartOption | null>(() => {
    if (!ledger || ledger.compute_by_day.length === 0) return null;
    const unit = timeUnit(Math.max(...ledger.compute_by_day.map((s) => Math.max(s.wall_ms, s.cpu_ms))));
    return {
      legend: {},
      xAxis: { type: "category", data: ledger.compute_by_day.map((s) => s.key) },
      yAxis: { type: "value", name: unit.name, min: 0 },
      series: [
        { name: "wall", type: "bar", data: ledger.compute_by_day.map((s) => unit.of(s.wall_ms)) },
        { name: "CPU", type: "bar", data: ledger.compute_by_day.map((s) => unit.of(s.cpu_ms)) },
      ],
    };
  }, [ledger]);
  const spendChart = useMemo<ChartOption | null>(() => {
    if (spend.length === 0) return null;
    const series = spendSeries(spend);
    return {
      legend: {},
      xAxis: { type: "category", data: series.periods },
      yAxis: { type: "value", name: "cost", min: 0 },
      series: series.vendors.map((v) => ({ name: v.name, type: "bar", stack: "spend", data: v.cost })),
    };
  }, [ledger, daily]);
  const takeInventory = () => {
    setCounting(true);
    call("storage_inventory", { target })
      .then((i) => {
        setInventory(i);
        setFailure(null);
      })
      .catch((e: unknown) => setFailure(failureOf(e)))
      .finally(() => setCounting(false));
  };
  const setBudget = () => {
    const limit = Number(budgetLimit);
    call("set_budget", { vendor: budgetVendor === "" ? null : budgetVendor, monthly_limit: limit })
      .then(() => {
        setFailure(null);
        setBudgetLimit("");
        return load();
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  };
  return (
    <div class="layout">
      <section class="content ledger">
        <h2>Ledger</h2>
        <ApiErrorView failure={failure} testId="ledger-error" />
        {ledger && (
          <>
            <div class="charts">
              {computeChart && <Chart option={computeChart} testId="ledger-compute-chart" name="compute-by-day" />}
              {spendChart && <Chart option={spendChart} testId="ledger-spend-chart" name="vendor-spend" />}
            </div>
            <label class="small">
              <input type="checkbox" {...tid("ledger-daily")} checked={daily} onChange={(e) => setDaily(e.currentTarget.checked)} /> spend by day
            </label>
            <SpendTable sums={spend} testId="ledger-spend" />
            <h3>Agreements, when made and now</h3>
            <table class="small" {...tid("ledger-agreements")}>
              <thead>
                <tr>
                  <th>model or vendor</th>
                  <th class="num">experiment</th>
                  <th>when made</th>
                  <th>now</th>
                </tr>
              </thead>
              <tbody>
                {ledger.agreements.map((a) => (
                  <tr>
                    <td>{a.name}</td>
                    <td class="num">{a.experiment}</td>
                    <td class={a.met_then === false ? "error-text" : ""}>
                      {a.met_then === null ? "no agreements" : a.met_then ? "met" : `missed: ${a.misses_then.join("; ")}`} <span class="muted">{a.checked_at.slice(0, 10)}</span>
                    </td>
                    <td class={a.meets_now === false ? "error-text" : ""}>{a.meets_now === null ? "no agreements" : a.meets_now ? "meets" : `misses: ${a.misses_now.join("; ")}`}</td>
                  </tr>
                ))}
                {ledger.agreements.length === 0 && (
                  <tr>
                    <td colSpan={4} class="muted">
                      No model registered or vendor evaluated yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <ComputeTable title="Compute by experiment" sums={ledger.compute_by_experiment} testId="ledger-by-experiment" />
            <ComputeTable title="Compute by model" sums={ledger.compute_by_model} testId="ledger-by-model" />
            <ComputeTable title="Compute by day" sums={ledger.compute_by_day} testId="ledger-by-day" />
          </>
        )}
      </section>
      <aside class="sidebar wide">
        <h2>Budgets</h2>
        <p class="muted small">What may be spent on vendors in a calendar month (UTC). An evaluation checks them before it starts and stops before passing one.</p>
        <ul class="list" {...tid("budgets")}>
          {ledger?.budgets.map((b) => (
            <li data-vendor={b.vendor}>
              <strong>{b.vendor === "*" ? "all vendors" : b.vendor}</strong>{" "}
              <span class="small">
                {b.spent.toFixed(4)} of {b.monthly_limit} in {b.month} ({Math.round(100 * b.share)}%)
              </span>
              <div class="progress">
                <div class="bar" style={{ width: `${Math.min(100, 100 * b.share)}%` }} />
              </div>
              {b.warning && <p class="error small">{b.warning}</p>}
            </li>
          ))}
          {ledger?.budgets.length === 0 && <li class="muted">No budgets.</li>}
        </ul>
        <div class="row">
          <select {...tid("budget-vendor")} value={budgetVendor} onChange={(e) => setBudgetVendor(e.currentTarget.value)}>
            <option value="">all vendors</option>
            {vendors.map((v) => (
              <option value={v.name}>{v.name}</option>
            ))}
          </select>
          <input {...tid("budget-limit")} type="number" min="0" step="any" placeholder="per month" value={budgetLimit} onInput={(e) => setBudgetLimit(e.currentTarget.value)} />
          <button {...tid("budget-set")} disabled={budgetLimit === "" || !(Number(budgetLimit) >= 0)} onClick={setBudget}>
            Set budget
          </button>
        </div>
        <h2>Storage</h2>
        {targets.length === 0 ? (
          <p class="muted small">No storage targets yet (add one on the Models page).</p>
        ) : (
          <div class="row">
            <select {...tid("inventory-target")} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              {targets.map((t) => (
                <option value={t.name}>{t.name}</option>
              ))}
            </select>
            <button {...tid("inventory-take")} disabled={counting || target === ""} onClick={takeInventory}>
              {counting ? "Counting…" : "Take inventory"}
            </button>
          </div>
        )}
        {inventory && (
          <div class="small" {...tid("inventory")}>
            <p>
              <strong>{inventory.target}</strong>: {inventory.objects} objects, {formatBytes(inventory.bytes)}
            </p>
            <ul>
              {inventory.packages.map((p) => (
                <li>
                  package {p.model} · {formatBytes(p.bytes)}
                  {p.whole ? "" : " · incomplete"}
                  {p.recorded ? "" : " · not recorded in this project"}
                </li>
              ))}
              {inventory.bundles.map((b) => (
                <li>
                  bundle {b.name} · {b.files} files, {formatBytes(b.bytes)}
                </li>
              ))}
            </ul>
            <p class={inventory.unreferenced_blobs > 0 ? "error small" : "muted"}>
              {inventory.unreferenced_blobs} bundle files ({formatBytes(inventory.unreferenced_bytes)}) named by no bundle
            </p>
          </div>
        )}
      </aside>
    </div>
  );
}
