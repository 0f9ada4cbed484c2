// "Serve locally": a model version served on 127.0.0.1 by the Data Lab
// process itself (OIP v2, MLflow scoring and /metrics), with its URLs, a
// sample request for each protocol and a curl command to try it; "Add as
// vendor" turns the service into an OIP v2 vendor connector, so the Vendors
// page evaluates it and compares it with the local runs and other vendors.

import { useEffect, useState } from "preact/hooks";
import type { ServedAnswer, ServedInfo, VendorInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { CopyButton } from "../../components/CopyButton";
import {
  curlCommand,
  defaultServedVendorName,
  parsePort,
  prettyJson,
  proposedVendorName,
  readOipAnswer,
  servedEndpoints,
  vendorForServed,
  versionRef,
} from "../../lib/serving";

export function ServePanel(props: {
  name: string;
  version: number;
  /** The experiment the version came from: the Vendors page opens on it. */
  experiment: number | null;
  served: ServedInfo | undefined;
  onServed: (info: ServedInfo) => void;
  onStopped: (info: ServedInfo) => void;
  onShowVendors?: (experiment: number | null, vendor: string) => void;
}) {
  const ref = versionRef(props.name, props.version);
  const [port, setPort] = useState("");
  const [portError, setPortError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"serve" | "stop" | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  const serve = async () => {
    const checked = parsePort(port);
    if (!checked.ok) {
      setPortError(checked.error);
      return;
    }
    setPortError(null);
    setFailure(null);
    setBusy("serve");
    try {
      props.onServed(await call("serve_model", { model: ref, port: checked.value }));
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(null);
    }
  };
  const stop = async () => {
    setFailure(null);
    setBusy("stop");
    try {
      props.onStopped(await call("stop_serving", { model: ref }));
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="panel serve" {...tid("serve-section")}>
      <h3>
        Serve locally{" "}
        <span class="muted small">
          from the Data Lab process, on 127.0.0.1: Open Inference Protocol v2, MLflow scoring and /metrics, until stopped or Data Lab closes
        </span>
      </h3>
      {!props.served && (
        <div class="row">
          <label class="small">
            Port{" "}
            <input {...tid("serve-port")} class={portError ? "invalid narrow" : "narrow"} inputMode="numeric" placeholder="any free" value={port} onInput={(e) => setPort(e.currentTarget.value)} />
          </label>
          <button class="primary" {...tid("serve-model")} disabled={busy !== null} onClick={() => void serve()}>
            {busy === "serve" ? "Starting…" : "Serve locally"}
          </button>
          {portError && <span class="error small">{portError}</span>}
        </div>
      )}
      <ApiErrorView failure={failure} testId="serve-error" />
      {props.served && (
        <ServedView info={props.served} experiment={props.experiment} stopping={busy === "stop"} onStop={() => void stop()} onShowVendors={props.onShowVendors} />
      )}
    </div>
  );
}

function ServedView(props: {
  info: ServedInfo;
  experiment: number | null;
  stopping: boolean;
  onStop: () => void;
  onShowVendors?: (experiment: number | null, vendor: string) => void;
}) {
  const { info } = props;
  const mlflowCurl = curlCommand(info.invocations_url, info.sample_mlflow);
  return (
    <div class="served" {...tid("served-panel")} data-model={info.model} data-version={info.version}>
      <div class="row">
        <span class="status succeeded">●</span>
        <strong>
          Serving {info.model} v{info.version}
        </strong>
        <span class="grow" />
        <button class="danger" {...tid("served-stop")} disabled={props.stopping} onClick={props.onStop}>
          {props.stopping ? "Stopping…" : "Stop"}
        </button>
      </div>
      {info.port_note && (
        <p class="note small" {...tid("served-port-note")}>
          {info.port_note}
        </p>
      )}
      <table class="table compact facts endpoints">
        <tbody>
          {servedEndpoints(info).map((e) => (
            <tr>
              <th>{e.label}</th>
              <td>
                <code {...tid(e.id)}>{e.url}</code> <CopyButton text={e.url} id={`${e.id}-copy`} />
              </td>
              <td class="muted small wrap">{e.note}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>
        Try it <span class="muted small">one test row through OIP v2</span>
      </h3>
      <div class="row top">
        <pre class="code-block grow" {...tid("served-curl")}>
          {info.curl}
        </pre>
        <CopyButton text={info.curl} id="served-curl-copy" label="Copy curl" />
      </div>

      <div class="samples">
        <div>
          <h3>
            OIP v2 request <span class="muted small">POST to the infer URL</span>
          </h3>
          <pre class="code-block" {...tid("served-sample-oip")}>
            {prettyJson(info.sample_oip)}
          </pre>
          <CopyButton text={prettyJson(info.sample_oip)} id="served-sample-oip-copy" label="Copy request" />
        </div>
        <div>
          <h3>
            MLflow request <span class="muted small">POST to the invocations URL</span>
          </h3>
          <pre class="code-block" {...tid("served-sample-mlflow")}>
            {prettyJson(info.sample_mlflow)}
          </pre>
          <CopyButton text={prettyJson(info.sample_mlflow)} id="served-sample-mlflow-copy" label="Copy request" />{" "}
          <CopyButton text={mlflowCurl} id="served-mlflow-curl-copy" label="Copy as curl" />
        </div>
      </div>

      <SendRequest info={info} />

      <AddAsVendor info={info} experiment={props.experiment} onShowVendors={props.onShowVendors} />
    </div>
  );
}

/** A request typed or edited here, sent to the served version over HTTP, its answer read. */
function SendRequest(props: { info: ServedInfo }) {
  const { info } = props;
  const [text, setText] = useState(prettyJson(info.sample_oip));
  const [answer, setAnswer] = useState<ServedAnswer | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const send = async () => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setInvalid(`Not JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setInvalid(null);
    setFailure(null);
    setBusy(true);
    try {
      setAnswer(await call("send_to_served", { model: versionRef(info.model, info.version), body }));
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(false);
    }
  };
  const read = answer ? readOipAnswer(answer.status, answer.body, answer.classes) : null;
  return (
    <div class="send-request" {...tid("served-send")}>
      <h3>
        Send a request <span class="muted small">edit the OIP v2 body and send it to the infer URL</span>
      </h3>
      <textarea {...tid("served-send-body")} rows={8} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="row">
        <button class="primary" {...tid("served-send-button")} disabled={busy} onClick={() => void send()}>
          {busy ? "Sending…" : "Send"}
        </button>
        <button {...tid("served-send-reset")} onClick={() => setText(prettyJson(info.sample_oip))}>
          Reset to the sample
        </button>
        {invalid && <span class="error small">{invalid}</span>}
      </div>
      <ApiErrorView failure={failure} testId="served-send-error" />
      {answer && read && (
        <div {...tid("served-answer")} data-status={answer.status}>
          <p class="small muted">
            HTTP {answer.status} in {answer.elapsed_ms.toFixed(1)} ms
          </p>
          {read.ok ? (
            read.rows.map((row, i) => (
              <div class="answer-row">
                <p>
                  {read.rows.length > 1 ? `Row ${i + 1}: ` : ""}predicted <strong {...tid(`served-prediction-${i}`)}>{String(row.prediction)}</strong>
                </p>
                {row.probabilities.length > 0 && (
                  <table class="table compact probabilities" {...tid(`served-probabilities-${i}`)}>
                    <tbody>
                      {row.probabilities.map((c) => (
                        <tr>
                          <th>{c.label}</th>
                          <td class="num">{c.p.toFixed(3)}</td>
                          <td class="bar-cell">
                            <span class="probability-bar" style={{ width: `${Math.round(Math.max(0, Math.min(1, c.p)) * 100)}%` }} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            ))
          ) : (
            <p class="error small" {...tid("served-answer-error")}>
              {read.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** The served version as a vendor connector: added here, evaluated on the Vendors page. */
function AddAsVendor(props: { info: ServedInfo; experiment: number | null; onShowVendors?: (experiment: number | null, vendor: string) => void }) {
  const { info } = props;
  const [name, setName] = useState(defaultServedVendorName(info.model, info.version));
  const [added, setAdded] = useState<{ vendor: VendorInfo; now: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    // A vendor calling this very service (same URL) is already there; a
    // vendor of the default name calling elsewhere makes the proposal change.
    call("list_vendors", {})
      .then((list) => {
        const existing = vendorForServed(info, list);
        // Unless one was added meanwhile, which this list may or may not hold.
        setAdded((a) => a ?? (existing ? { vendor: existing, now: false } : null));
        setName((n) => (n === defaultServedVendorName(info.model, info.version) ? proposedVendorName(info, list) : n));
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  }, [info.url, info.model, info.version]);

  const add = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const vendor = name.trim();
      const vendorInfo = await call("add_served_vendor", {
        model: versionRef(info.model, info.version),
        vendor: vendor === "" || vendor === defaultServedVendorName(info.model, info.version) ? null : vendor,
      });
      setAdded({ vendor: vendorInfo, now: true });
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="add-served-vendor">
      <h3>
        As a vendor <span class="muted small">an OIP v2 connector to this service, evaluated and compared like any other vendor</span>
      </h3>
      {added ? (
        <p class="row small" {...tid("served-vendor-added")} data-vendor={added.vendor.name}>
          <span class="status succeeded">✓</span>
          <span>
            {added.now ? "Added vendor " : "Vendor "}
            <strong>{added.vendor.name}</strong>
            {added.now ? "." : " already calls this service."}
          </span>
          {props.onShowVendors && (
            <button {...tid("served-open-vendors")} onClick={() => props.onShowVendors?.(props.experiment, added.vendor.name)}>
              Evaluate it on the Vendors page →
            </button>
          )}
        </p>
      ) : (
        <div class="row">
          <label class="small">
            Vendor name{" "}
            <input {...tid("served-vendor-name")} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button class="primary" {...tid("served-add-vendor")} disabled={busy} onClick={() => void add()}>
            {busy ? "Adding…" : "Add as vendor"}
          </button>
        </div>
      )}
      <ApiErrorView failure={failure} testId="served-vendor-error" />
    </div>
  );
}
