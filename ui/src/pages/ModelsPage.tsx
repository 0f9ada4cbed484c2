// Models: registered versions with their aliases, lineage and model card;
// publishing a version to a storage target with progress, and where it went;
// serving a version locally (pages/models/ServePanel.tsx), and adding it as a
// vendor; storage targets (a folder, or an S3 bucket whose credentials come
// from the environment, never from here).

import { useEffect, useState } from "preact/hooks";
import type { ModelVersionDetail, ModelVersionInfo, PackageFile, PublishOutcome, ServedInfo, StorageConfig, StorageTargetInfo } from "../api/types";
import { call, newJobId, onEvent } from "../api/client";
import { ApiErrorView, failureOf, type Failure } from "../components/ApiError";
import { formatBytes } from "../lib/format";
import { listKeyHandler } from "../lib/keys";
import { findServed, withServed, withoutServed } from "../lib/serving";
import { ServePanel } from "./models/ServePanel";
import { Markdown } from "../components/Markdown";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function ModelsPage(props: {
  /** Opens the Vendors page on an experiment, with a vendor chosen in its launcher. */
  onShowVendors?: (experiment: number | null, vendor: string) => void;
}) {
  const [models, setModels] = useState<ModelVersionInfo[]>([]);
  const [targets, setTargets] = useState<StorageTargetInfo[]>([]);
  const [served, setServed] = useState<ServedInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<ModelVersionDetail | null>(null);
  const [error, setError] = useState<Failure | null>(null);

  const refresh = async () => {
    try {
      const [m, t] = await Promise.all([call("list_models", {}), call("list_storage", {})]);
      setModels(m);
      setTargets(t);
      setSelected((s) => s ?? (m.length > 0 ? `${m[m.length - 1]?.name}:${m[m.length - 1]?.version}` : null));
    } catch (e) {
      setError(failureOf(e));
    }
  };
  useEffect(() => {
    void refresh();
    // Versions served by this process (from an earlier visit, or another window) show their panel.
    call("list_served", {})
      .then(setServed)
      .catch((e: unknown) => setError(failureOf(e)));
  }, []);
  useEffect(() => {
    if (!selected) return;
    call("show_model", { model: selected })
      .then(setDetail)
      .catch((e: unknown) => setError(failureOf(e)));
  }, [selected, models]);

  const versionKey = (m: ModelVersionInfo) => `${m.name}:${m.version}`;
  const selectedIndex = models.findIndex((m) => versionKey(m) === selected);
  return (
    <div class="split">
      <aside class="sidebar">
        <h2>Models</h2>
        <ul
          class="list"
          data-testid="model-list"
          tabIndex={0}
          onKeyDown={listKeyHandler(models.length, selectedIndex < 0 ? null : selectedIndex, (i) => {
            const version = models[i];
            if (version) setSelected(versionKey(version));
          })}
        >
          {models.map((m) => {
            const key = versionKey(m);
            return (
              <li class={key === selected ? "selected" : ""} onClick={() => setSelected(key)} data-testid={`model-${m.name}-${m.version}`}>
                <strong>
                  {m.name} v{m.version}
                </strong>
                <span class="muted small">
                  {m.manifest ? m.manifest.algorithm : `MLflow · ${m.mlflow_flavors.join(", ") || "model"}`}
                  {m.aliases.length > 0 ? ` · @${m.aliases.join(", @")}` : ""}
                  {m.publications.length > 0 ? ` · published` : ""}
                  {findServed(served, m.name, m.version) ? ` · served` : ""}
                </span>
              </li>
            );
          })}
          {models.length === 0 && <li class="muted">No models yet: register a run from the Runs page.</li>}
        </ul>
        <StoragePanel targets={targets} onChange={() => void refresh()} />
      </aside>
      <section class="content">
        <ApiErrorView failure={error} testId="error" />
        {detail ? (
          <VersionView
            detail={detail}
            targets={targets}
            onPublished={() => void refresh()}
            served={findServed(served, detail.info.name, detail.info.version)}
            onServed={(info) => setServed((list) => withServed(list, info))}
            onStopped={(info) => setServed((list) => withoutServed(list, info))}
            onShowVendors={props.onShowVendors}
          />
        ) : (
          <p class="muted">Choose a model version.</p>
        )}
      </section>
    </div>
  );
}

function VersionView(props: {
  detail: ModelVersionDetail;
  targets: StorageTargetInfo[];
  onPublished: () => void;
  served: ServedInfo | undefined;
  onServed: (info: ServedInfo) => void;
  onStopped: (info: ServedInfo) => void;
  onShowVendors?: (experiment: number | null, vendor: string) => void;
}) {
  const { info, model_card } = props.detail;
  const m = info.manifest;
  const [target, setTarget] = useState(props.targets[0]?.name ?? "");
  const [progress, setProgress] = useState<[number, number] | null>(null);
  const [outcome, setOutcome] = useState<PublishOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The upload's job: the one whose transfer events are shown, and what Cancel stops.
  const [job, setJob] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    if (!target && props.targets[0]) setTarget(props.targets[0].name);
  }, [props.targets]);
  useEffect(
    () =>
      onEvent((event) => {
        if (event.kind === "transfer" && event.operation === "publish_model") setProgress([event.done, event.total]);
      }),
    [],
  );
  const publish = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    setProgress(null);
    const id = newJobId();
    setJob(id);
    try {
      setOutcome(await call("publish_model", { model: `${info.name}:${info.version}`, target }, { job: id }));
      props.onPublished();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
      setJob(null);
      setCancelling(false);
    }
  };
  const cancelPublish = () => {
    if (job === null) return;
    setCancelling(true);
    call("cancel_job", { job }).catch((e: unknown) => setError(message(e)));
  };
  const mlflow = info.format === "mlflow";
  const flavors = info.mlflow_flavors.join(", ") || "no MLmodel flavours";
  let lineage: string;
  if (info.run !== null) {
    const snapshot = m && m.dataset_sha256 !== "" ? `, dataset snapshot ${m.dataset_sha256.slice(0, 12)}` : "";
    lineage = `From run ${info.run}${m?.experiment_id != null ? ` of experiment ${m.experiment_id}` : ""}${snapshot}`;
  } else {
    lineage = info.source ? `${mlflow ? "Registered from" : "Fetched from"} ${info.source}` : "";
  }
  return (
    <div
      data-testid="model-version"
      data-model={info.name}
      data-version={info.version}
      data-experiment={m?.experiment_id ?? ""}
      data-format={info.format}
    >
      <div class="heading">
        <h2>
          {info.name} v{info.version}
        </h2>
        <span class="muted small">
          {mlflow ? `MLflow model · ${flavors}` : m ? `${m.algorithm} · ${m.task}` : ""}
          {info.aliases.map((a) => ` · @${a}`).join("")}
        </span>
      </div>
      <p class="small">
        {lineage}
        {m === null ? (
          <>
            {" "}
            · files in <code>{info.package_dir}</code>
          </>
        ) : null}
      </p>
      <div class="panel">
        <h3>Publish</h3>
        {props.targets.length === 0 ? (
          <p class="muted">Add a storage target first (left).</p>
        ) : (
          <div class="row">
            <select data-testid="publish-target" value={target} onChange={(e) => setTarget((e.currentTarget as HTMLSelectElement).value)}>
              {props.targets.map((t) => (
                <option value={t.name}>
                  {t.name} — {t.location}
                </option>
              ))}
            </select>
            <button class="primary" data-testid="publish" disabled={busy || !target} onClick={() => void publish()}>
              Publish
            </button>
          </div>
        )}
        {busy && (
          <div class="row">
            {progress && (
              <div class="progress grow" data-testid="publish-progress">
                <div class="bar" style={{ width: `${progress[1] > 0 ? (100 * progress[0]) / progress[1] : 0}%` }} />
                <span>
                  {formatBytes(progress[0])} of {formatBytes(progress[1])}
                </span>
              </div>
            )}
            <button data-testid="publish-cancel" disabled={cancelling} onClick={cancelPublish}>
              {cancelling ? "Cancelling…" : "Cancel"}
            </button>
          </div>
        )}
        {outcome && (
          <p class="small" data-testid="published-location">
            {outcome.already_published ? "Already published, unchanged: " : `Published ${formatBytes(outcome.bytes_uploaded)} to `}
            <code>{outcome.location}</code>
          </p>
        )}
        {error && <p class="error">{error}</p>}
        {info.publications.length > 0 && (
          <ul class="small">
            {info.publications.map((p) => (
              <li>
                {p.target}: <code>{p.location}</code> ({p.published_at.slice(0, 19).replace("T", " ")})
              </li>
            ))}
          </ul>
        )}
      </div>
      {info.not_servable !== null ? (
        <div class="panel" data-testid="mlflow-version-note">
          <h3>Serve</h3>
          <p>{info.not_servable}</p>
          <p class="muted">
            MLflow clients load it with <code>mlflow.pyfunc.load_model("models:/{info.name}/{info.version}")</code>.
          </p>
        </div>
      ) : (
        <ServePanel
          key={`${info.name}:${info.version}`}
          name={info.name}
          version={info.version}
          experiment={m?.experiment_id ?? null}
          served={props.served}
          onServed={props.onServed}
          onStopped={props.onStopped}
          onShowVendors={props.onShowVendors}
        />
      )}
      {m && <FilesTable files={m.files} />}
      <AliasPanel name={info.name} version={info.version} aliases={info.aliases} onChanged={props.onPublished} />
      {model_card !== "" && (
        <>
          <h3>Model card</h3>
          <div class="card">
            <Markdown text={model_card} testId="model-card" />
          </div>
        </>
      )}
    </div>
  );
}

/** Points an alias (`champion`, say) at this version. */
function AliasPanel(props: { name: string; version: number; aliases: string[]; onChanged: () => void }) {
  const [alias, setAlias] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const set = async () => {
    try {
      await call("set_model_alias", { model: `${props.name}:${props.version}`, alias: alias.trim() });
      setStatus(`@${alias.trim()} now points at v${props.version}.`);
      setAlias("");
      props.onChanged();
    } catch (e) {
      setStatus(message(e));
    }
  };
  return (
    <div class="panel">
      <h3>Aliases</h3>
      <p class="small">
        <strong>{props.aliases.length > 0 ? props.aliases.map((a) => `@${a}`).join(", ") : "No alias yet."}</strong> An alias names the version people load
        (<code>{props.name}@champion</code>); setting one that another version has moves it here.
      </p>
      <div class="row">
        <input
          data-testid="alias-name"
          placeholder="champion"
          value={alias}
          onInput={(e) => setAlias((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={(e) => e.key === "Enter" && alias.trim() !== "" && void set()}
        />
        <button data-testid="set-alias" disabled={alias.trim() === ""} onClick={() => void set()}>
          Set alias
        </button>
      </div>
      {status && (
        <p class="small" data-testid="alias-status">
          {status}
        </p>
      )}
    </div>
  );
}

function FilesTable(props: { files: PackageFile[] }) {
  return (
    <>
      <h3>Files</h3>
      <table class="table compact">
        <thead>
          <tr>
            <th>file</th>
            <th>size</th>
            <th>sha256</th>
          </tr>
        </thead>
        <tbody>
          {props.files.map((f) => (
            <tr>
              <td>{f.path}</td>
              <td>{formatBytes(f.bytes)}</td>
              <td>
                <code>{f.sha256.slice(0, 16)}…</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function StoragePanel(props: { targets: StorageTargetInfo[]; onChange: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"folder" | "s3">("folder");
  const [path, setPath] = useState("");
  const [bucket, setBucket] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [prefix, setPrefix] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const add = async () => {
    const config: StorageConfig =
      kind === "folder"
        ? { kind: "folder", path }
        : { kind: "s3", endpoint: endpoint === "" ? null : endpoint, region: "us-east-1", bucket, prefix, path_style: endpoint !== "" };
    try {
      await call("add_storage", { name, config });
      setStatus(`Added ${name}.`);
      setName("");
      props.onChange();
    } catch (e) {
      setStatus(message(e));
    }
  };
  const test = async (target: string) => {
    try {
      const info = await call("test_storage", { target });
      setStatus(`${info.name} works: ${info.location}`);
    } catch (e) {
      setStatus(message(e));
    }
  };
  return (
    <div class="storage">
      <h2>Storage</h2>
      <ul class="list">
        {props.targets.map((t) => (
          <li>
            <strong>{t.name}</strong>
            <span class="muted small">{t.location}</span>
            <button class="link" onClick={() => void test(t.name)}>
              Test
            </button>
          </li>
        ))}
      </ul>
      <div class="form column">
        <input data-testid="storage-name" placeholder="name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        <select data-testid="storage-kind" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as "folder" | "s3")}>
          <option value="folder">folder</option>
          <option value="s3">S3 / MinIO</option>
        </select>
        {kind === "folder" ? (
          <input data-testid="storage-path" placeholder="/path/to/folder" value={path} onInput={(e) => setPath((e.currentTarget as HTMLInputElement).value)} />
        ) : (
          <>
            <input data-testid="storage-bucket" placeholder="bucket" value={bucket} onInput={(e) => setBucket((e.currentTarget as HTMLInputElement).value)} />
            <input data-testid="storage-endpoint" placeholder="endpoint (MinIO: http://host:9000)" value={endpoint} onInput={(e) => setEndpoint((e.currentTarget as HTMLInputElement).value)} />
            <input placeholder="prefix (optional)" value={prefix} onInput={(e) => setPrefix((e.currentTarget as HTMLInputElement).value)} />
            <p class="muted small">Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; they are never stored.</p>
          </>
        )}
        <button data-testid="add-storage" disabled={name === ""} onClick={() => void add()}>
          Add target
        </button>
      </div>
      {status && <p class="small" data-testid="storage-status">{status}</p>}
    </div>
  );
}
