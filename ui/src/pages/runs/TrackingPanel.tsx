// Where a notebook or script logs into the open project: the MLflow
// tracking URI and token this app's tracking server answers on, to copy.

import { useEffect, useState } from "preact/hooks";
import type { TrackingInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { CopyButton } from "../../components/CopyButton";

export function TrackingPanel() {
  const [info, setInfo] = useState<TrackingInfo | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  useEffect(() => {
    call("tracking_info", {}).then(setInfo, (e: unknown) => setError(failureOf(e)));
  }, []);
  if (error) return <ApiErrorView failure={error} testId="tracking-error" />;
  if (!info) return null;
  const exports = `export MLFLOW_TRACKING_URI=${info.uri}\nexport MLFLOW_TRACKING_TOKEN=${info.token}`;
  return (
    <details class="panel small" {...tid("tracking-panel")}>
      <summary>
        Log from your own code: <code {...tid("tracking-uri")}>MLFLOW_TRACKING_URI={info.uri}</code>
      </summary>
      <p>
        Notebooks and scripts log into this project with the <code>mlflow</code> client they already use. Set these in
        their environment (the token changes each time the app starts):
      </p>
      <pre {...tid("tracking-exports")}>{exports}</pre>
      <CopyButton text={exports} id="copy-tracking" label="Copy" />
    </details>
  );
}
