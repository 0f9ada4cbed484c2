// Registering a run: the one selected run (or the best of several) becomes
// the next version of a named model, to be found on the Models page.

import { useState } from "preact/hooks";
import type { RunInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";

/** Promotes the one selected run to the next version of a named model. */
export function RegisterModel(props: { run: RunInfo | undefined }) {
  const [name, setName] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const run = props.run;
  if (!run) return null;
  const register = async () => {
    try {
      const detail = await call("register_model", { run: run.id, name, description: "", alias: null, logged_model: null });
      const served = detail.info.not_servable === null ? "" : " It is an MLflow model: Data Lab publishes it, MLflow serves it.";
      setStatus(`Registered ${detail.info.name} v${detail.info.version}: see Models.${served}`);
      setFailure(null);
    } catch (e) {
      setStatus(null);
      setFailure(failureOf(e));
    }
  };
  return (
    <span class="register">
      <input {...tid("model-name")} placeholder="model name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      <button {...tid("register-model")} disabled={name === "" || run.status !== "succeeded"} onClick={() => void register()}>
        Register run {run.id}
      </button>
      {status && (
        <span class="small" {...tid("register-status")}>
          {status}
        </span>
      )}
      {/* A refusal stands where the outcome does, under the same test id, with its code. */}
      <ApiErrorView failure={failure} testId="register-status" />
    </span>
  );
}
