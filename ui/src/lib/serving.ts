// "Serve locally", the pure part: which served version belongs to a model
// version, what the panel shows (its endpoints, the samples pretty-printed,
// curl commands written as the API writes its own), the vendor name to
// propose when adding it as a vendor, and the port field checked.

import type { JsonValue, ServedInfo, VendorInfo } from "../api/types";

/** `name:version`, as the API's model references write a version. */
export function versionRef(name: string, version: number): string {
  return `${name}:${version}`;
}

/** The served entry of a model version, if this process serves it. */
export function findServed(served: ServedInfo[], name: string, version: number): ServedInfo | undefined {
  return served.find((s) => s.model === name && s.version === version);
}

/** The list with `info` in it, replacing an earlier entry of the same version. */
export function withServed(served: ServedInfo[], info: ServedInfo): ServedInfo[] {
  return [...served.filter((s) => !(s.model === info.model && s.version === info.version)), info];
}

/** The list without the entry of `info`'s version. */
export function withoutServed(served: ServedInfo[], info: Pick<ServedInfo, "model" | "version">): ServedInfo[] {
  return served.filter((s) => !(s.model === info.model && s.version === info.version));
}

/** The vendor name `add_served_vendor` gives when none is asked for. */
export function defaultServedVendorName(model: string, version: number): string {
  return `served-${model}-${version}`;
}

function sameUrl(a: string, b: string): boolean {
  return a.trim().replace(/\/+$/, "") === b.trim().replace(/\/+$/, "");
}

/** A vendor that already calls this served version: OIP v2, its model, at its URL. */
export function vendorForServed(info: ServedInfo, vendors: VendorInfo[]): VendorInfo | undefined {
  return vendors.find((v) => {
    const p = v.connector.protocol;
    return p.kind === "oip_v2" && p.model_name === info.model && sameUrl(v.connector.base_url, info.url);
  });
}

/**
 * The vendor name to propose: the API's default, or, when a vendor already
 * has that name (one left from an earlier session, calling a port now
 * closed), the default with `-2`, `-3`, … so adding does not fail.
 */
export function proposedVendorName(info: ServedInfo, vendors: VendorInfo[]): string {
  const base = defaultServedVendorName(info.model, info.version);
  const taken = new Set(vendors.map((v) => v.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const name = `${base}-${n}`;
    if (!taken.has(name)) return name;
  }
}

/** A request body as a person reads it. */
export function prettyJson(value: JsonValue): string {
  return JSON.stringify(value, null, 2);
}

/** A word for a POSIX shell, in single quotes (a quote inside becomes '\''). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** A curl command posting `body` as JSON to `url`, written as the API writes its OIP one. */
export function curlCommand(url: string, body: JsonValue): string {
  return `curl -s -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(body))} ${url}`;
}

export interface Endpoint {
  /** The element id (and data-testid) of the URL. */
  id: string;
  label: string;
  url: string;
  note: string;
}

/** What the served panel lists, base URL first. */
export function servedEndpoints(info: ServedInfo): Endpoint[] {
  return [
    { id: "served-url", label: "Base URL", url: info.url, note: "127.0.0.1 only: other machines cannot reach it" },
    { id: "served-infer-url", label: "OIP v2 infer", url: info.infer_url, note: "POST, Open Inference Protocol v2 (KServe, Triton, Seldon)" },
    { id: "served-invocations-url", label: "MLflow invocations", url: info.invocations_url, note: "POST, MLflow scoring (dataframe_split, dataframe_records, instances, inputs)" },
    { id: "served-metrics-url", label: "Metrics", url: info.metrics_url, note: "GET, Prometheus text format" },
  ];
}

export type CheckedPort = { ok: true; value: number | null } | { ok: false; error: string };

/** The port field: empty or 0 for any free port, else 1 to 65535. */
export function parsePort(text: string): CheckedPort {
  const t = text.trim();
  if (t === "" || t === "0") return { ok: true, value: null };
  if (!/^\d+$/.test(t)) return { ok: false, error: `Port: '${t}' is not a whole number` };
  const port = Number(t);
  if (port < 1 || port > 65535) return { ok: false, error: "Port: from 1 to 65535, or empty for any free port" };
  return { ok: true, value: port };
}

/** One row of a served model's answer: its prediction and, for a classifier, each class's probability. */
export interface AnsweredRow {
  prediction: string | number | boolean | null;
  probabilities: { label: string; p: number }[];
}

export type ReadAnswer = { ok: true; rows: AnsweredRow[] } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An Open Inference Protocol v2 answer read as rows: the `predict` output's
 * values and, when there is one, the `probabilities` output ([rows, classes],
 * flattened row by row) labelled with `classes`. An error answer gives its
 * message.
 */
export function readOipAnswer(status: number, body: unknown, classes: string[]): ReadAnswer {
  if (status !== 200) {
    const message = isRecord(body) && typeof body.error === "string" ? body.error : JSON.stringify(body);
    return { ok: false, error: `HTTP ${status}: ${message}` };
  }
  const outputs = isRecord(body) && Array.isArray(body.outputs) ? body.outputs.filter(isRecord) : null;
  if (outputs === null) return { ok: false, error: "the answer has no outputs" };
  const predict = outputs.find((o) => o.name === "predict") ?? outputs[0];
  const values = predict && Array.isArray(predict.data) ? predict.data : [];
  const probabilities = outputs.find((o) => o.name === "probabilities");
  const flat = probabilities && Array.isArray(probabilities.data) ? probabilities.data.map(Number) : [];
  const shape = probabilities && Array.isArray(probabilities.shape) ? probabilities.shape.map(Number) : [];
  const width = shape[1] ?? classes.length;
  return {
    ok: true,
    rows: values.map((value, row) => ({
      prediction: typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null,
      probabilities:
        width > 0 && flat.length >= (row + 1) * width
          ? flat.slice(row * width, (row + 1) * width).map((p, k) => ({ label: classes[k] ?? `class ${k}`, p }))
          : [],
    })),
  };
}
