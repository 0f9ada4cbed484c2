// The notebook a run executed (papermill's output.ipynb), shown as a page:
// markdown and code as text, outputs as text, PNG/JPEG images as images.
// Nothing in it is run or parsed as HTML: a notebook's HTML outputs are
// shown as their text, so an artifact cannot script the app.

import { useEffect, useState } from "preact/hooks";
import type { RunInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";

type Json = unknown;

function joined(source: Json): string {
  if (Array.isArray(source)) return source.map((s) => String(s)).join("");
  return typeof source === "string" ? source : "";
}

function record(value: Json): Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, Json>) : {};
}

function Output(props: { output: Record<string, Json> }) {
  const o = props.output;
  if (o.output_type === "stream") return <pre class="nb-output">{joined(o.text)}</pre>;
  if (o.output_type === "error") return <pre class="nb-output error">{`${String(o.ename)}: ${String(o.evalue)}`}</pre>;
  const data = record(o.data);
  for (const kind of ["image/png", "image/jpeg"]) {
    const image = joined(data[kind]).replace(/\s/g, "");
    if (image && /^[A-Za-z0-9+/=]+$/.test(image)) return <img class="nb-image" src={`data:${kind};base64,${image}`} alt="cell output" />;
  }
  const text = joined(data["text/plain"]);
  return text ? <pre class="nb-output">{text}</pre> : null;
}

export function NotebookView(props: { run: RunInfo }) {
  const [notebook, setNotebook] = useState<Json | null | undefined>(undefined);
  const [error, setError] = useState<Failure | null>(null);
  useEffect(() => {
    setNotebook(undefined);
    call("run_notebook", { run: props.run.id }).then(setNotebook, (e: unknown) => setError(failureOf(e)));
  }, [props.run.id, props.run.status]);
  if (error) return <ApiErrorView failure={error} testId="run-notebook-error" />;
  if (!notebook) return null;
  const cells = Array.isArray(record(notebook).cells) ? (record(notebook).cells as Json[]) : [];
  return (
    <section class="panel" {...tid("run-notebook")}>
      <h3>Notebook run {props.run.id} executed</h3>
      {cells.map((c) => {
        const cell = record(c);
        const outputs = Array.isArray(cell.outputs) ? (cell.outputs as Json[]) : [];
        return (
          <div class={`nb-cell ${String(cell.cell_type)}`}>
            <pre class={cell.cell_type === "code" ? "nb-code" : "nb-markdown"}>{joined(cell.source)}</pre>
            {outputs.map((o) => (
              <Output output={record(o)} />
            ))}
          </div>
        );
      })}
    </section>
  );
}
