// The connectors: each with its protocol, address and whether the
// environment variable its key comes from is set (never the key); testing
// one with an experiment's first test row (the request as sent, secrets as
// ***, the answer, latency, tokens, cost), and removing one.

import { useState } from "preact/hooks";
import type { ExperimentInfo, VendorInfo, VendorTest } from "../../api/types";
import { call } from "../../api/client";
import { formatCost, formatLatency, isWrongLabel, protocolLabel } from "../../lib/vendors";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { ExperimentSelect } from "../../components/ExperimentSelect";

export function VendorList(props: {
  vendors: VendorInfo[];
  experiments: ExperimentInfo[];
  experiment: number | null;
  onExperiment: (experiment: number | null) => void;
  onRemoved: () => void;
}) {
  const [testing, setTesting] = useState<string | null>(null);
  const [result, setResult] = useState<{ vendor: string; test: VendorTest } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const test = async (vendor: string) => {
    if (props.experiment === null) {
      setFailure({ code: null, message: "Choose the experiment whose first test row is sent.", field: "experiment" });
      return;
    }
    setTesting(vendor);
    setFailure(null);
    setResult(null);
    try {
      setResult({ vendor, test: await call("test_vendor", { vendor, experiment: props.experiment }) });
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setTesting(null);
    }
  };
  const remove = async (vendor: string) => {
    setConfirming(null);
    setFailure(null);
    try {
      await call("remove_vendor", { vendor });
      if (result?.vendor === vendor) setResult(null);
      props.onRemoved();
    } catch (e) {
      setFailure(failureOf(e));
    }
  };

  return (
    <div>
      <div class="heading">
        <h2>Vendors</h2>
        <span class="muted small">prediction services, compared with local models on the same test rows</span>
      </div>
      <table class="table compact" {...tid("vendor-list")}>
        <thead>
          <tr>
            <th>name</th>
            <th>protocol</th>
            <th>base URL</th>
            <th>key</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.vendors.map((v) => (
            <tr data-testid={`vendor-${v.name}`} class={result?.vendor === v.name ? "selected" : ""}>
              <td>
                <strong>{v.name}</strong>
              </td>
              <td>{protocolLabel(v.protocol)}</td>
              <td>
                <code class="small">{v.connector.base_url}</code>
              </td>
              <td class="soft-wrap" data-testid={`vendor-secret-${v.name}`} data-available={String(v.secret_available)}>
                {v.secret_env === null ? (
                  <span class="muted">none</span>
                ) : v.secret_available ? (
                  <span class="status succeeded" title={`Read from ${v.secret_env} in the Data Lab process`}>
                    ✓ <code>{v.secret_env}</code> set
                  </span>
                ) : (
                  <span class="status failed" title={`Set ${v.secret_env} in the environment Data Lab starts from`}>
                    ✗ <code>{v.secret_env}</code> not set
                  </span>
                )}
              </td>
              <td class="actions">
                <button data-testid={`vendor-test-${v.name}`} disabled={testing !== null} onClick={() => void test(v.name)}>
                  {testing === v.name ? "Testing…" : "Test with one row"}
                </button>
                {confirming === v.name ? (
                  <>
                    <button class="danger" data-testid={`vendor-remove-confirm-${v.name}`} onClick={() => void remove(v.name)}>
                      Remove {v.name}
                    </button>
                    <button class="link" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </>
                ) : (
                  <button class="link" data-testid={`vendor-remove-${v.name}`} onClick={() => setConfirming(v.name)}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
          {props.vendors.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No vendors yet: add one (right).
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {confirming && <p class="muted small">Removing a connector keeps its evaluations.</p>}
      <p class="muted small">
        A key is read from the named environment variable of the Data Lab process when a service is called; it is never stored or shown. "not set" means
        calls will be refused until Data Lab is started with it.
      </p>
      <div class="row">
        <label class="small">
          Test against experiment{" "}
          <ExperimentSelect experiments={props.experiments} value={props.experiment} onChange={props.onExperiment} testId="vendor-test-experiment" />
        </label>
      </div>
      <ApiErrorView failure={failure} testId="vendor-test-error" />
      {result && <TestResult vendor={result.vendor} test={result.test} />}
    </div>
  );
}

function TestResult(props: { vendor: string; test: VendorTest }) {
  const t = props.test;
  const verdict =
    t.failure !== null ? "failed" : t.truth !== null && t.answer === t.truth ? "matches the truth" : isWrongLabel(t.truth, t.answer) ? "differs from the truth" : "answered";
  return (
    <div class="panel" {...tid("vendor-test-result")} data-outcome={t.failure === null ? "answered" : "failed"}>
      <h3>
        {props.vendor}, test row {t.row}:{" "}
        <span class={`status ${t.failure !== null ? "failed" : isWrongLabel(t.truth, t.answer) ? "cancelled" : "succeeded"}`} data-testid="vendor-test-verdict">
          {verdict}
        </span>
      </h3>
      <table class="table compact facts">
        <tbody>
          <tr>
            <th>truth</th>
            <td data-testid="vendor-test-truth">{t.truth ?? "–"}</td>
          </tr>
          <tr>
            <th>answer</th>
            <td data-testid="vendor-test-answer">{t.answer ?? "–"}</td>
          </tr>
          {t.failure !== null && (
            <tr>
              <th>failure</th>
              <td class="error wrap" data-testid="vendor-test-failure">
                {t.failure}
              </td>
            </tr>
          )}
          <tr>
            <th>latency</th>
            <td>
              {formatLatency(t.latency_ms)} <span class="muted small">({t.attempts} attempt{t.attempts === 1 ? "" : "s"})</span>
            </td>
          </tr>
          <tr>
            <th>tokens</th>
            <td>
              {t.input_tokens.toLocaleString("en-US")} in · {t.output_tokens.toLocaleString("en-US")} out
            </td>
          </tr>
          <tr>
            <th>cost</th>
            <td>{formatCost(t.cost)}</td>
          </tr>
        </tbody>
      </table>
      <h3>Request</h3>
      <p>
        <code data-testid="vendor-test-request-line">
          {t.request.method} {t.request.url}
        </code>
      </p>
      {t.request.headers.length > 0 && (
        <table class="table compact facts">
          <tbody>
            {t.request.headers.map((h) => (
              <tr>
                <th>{h.name}</th>
                <td>
                  <code>{h.value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <pre class="card" data-testid="vendor-test-body">
        {JSON.stringify(t.request.body, null, 2)}
      </pre>
    </div>
  );
}
