// Vendor services, the pure part: the "Add vendor" form turned into the
// Connector the API stores (each field checked with a message a person can
// act on), the agreements form, how costs, latencies and rates read, the
// order of the candidates table, the points of the score/latency chart and
// which of the page's tabs (Connect & test, Evaluate, Compare) to show.
// The pages in pages/vendors/ only present what this module computes.

import type {
  AddVendorRequest,
  Agreements,
  Candidate,
  CandidateComparison,
  Connector,
  EvaluationInfo,
  EvaluationProgress,
  EvaluationStatus,
  FailureKind,
  Header,
  MeanStd,
  MlflowFormat,
  Protocol,
} from "../api/types";
import { higherIsBetter } from "./compare";

export type ProtocolKind = Protocol["kind"];

export const PROTOCOLS: { kind: ProtocolKind; label: string }[] = [
  { kind: "openai_chat", label: "OpenAI-compatible chat" },
  { kind: "oip_v2", label: "Open Inference Protocol v2" },
  { kind: "mlflow", label: "MLflow scoring" },
  { kind: "http", label: "Generic HTTP JSON" },
];

export const MLFLOW_FORMATS: MlflowFormat[] = ["dataframe_split", "dataframe_records", "instances", "inputs"];

/** A protocol's name as a person reads it (VendorInfo.protocol is the `kind`). */
export function protocolLabel(kind: string): string {
  return PROTOCOLS.find((p) => p.kind === kind)?.label ?? kind;
}

/** Whether one call carries several rows (the batch size applies). */
export function protocolBatches(kind: ProtocolKind): boolean {
  return kind === "oip_v2" || kind === "mlflow";
}

/** What a base URL usually looks like for a protocol. */
export function baseUrlExample(kind: ProtocolKind): string {
  switch (kind) {
    case "openai_chat":
      return "https://api.openai.com/v1";
    case "oip_v2":
      return "http://127.0.0.1:8080";
    case "mlflow":
      return "http://127.0.0.1:5000";
    case "http":
      return "http://127.0.0.1:8000";
  }
}

/**
 * The "Add vendor" form as typed: every number is the text of its field, so
 * a half-typed value is kept as it is and checked only when building.
 */
export interface VendorForm {
  name: string;
  protocol: ProtocolKind;
  baseUrl: string;
  // OpenAI-compatible chat
  model: string;
  systemPrompt: string;
  promptTemplate: string;
  structuredOutput: boolean;
  maxTokens: string;
  temperature: string;
  // Open Inference Protocol v2
  modelName: string;
  outputName: string;
  // MLflow
  mlflowFormat: MlflowFormat;
  // Generic HTTP JSON
  method: string;
  path: string;
  /** One `Name: value` per line. */
  headers: string;
  bodyTemplate: string;
  predictionPointer: string;
  // Authentication: the *name* of an environment variable, never a key.
  useAuth: boolean;
  authHeader: string;
  authPrefix: string;
  authEnv: string;
  // Limits
  timeoutMs: string;
  maxRetries: string;
  requestsPerSecond: string;
  concurrency: string;
  batchSize: string;
  // Pricing, in the vendor's currency (US dollars by convention)
  pricePerCall: string;
  pricePer1kInput: string;
  pricePer1kOutput: string;
}

export type VendorField = keyof VendorForm;
export type FieldErrors = Partial<Record<VendorField, string>>;

export const DEFAULT_PROMPT = "Classify this row.\n{{row}}\nAnswer with one of: {{labels}}.";
export const DEFAULT_BODY = '{"inputs": {{row}}}';

/** A fresh form, with the API's defaults (timeout 30 s, 3 retries, 4 in flight). */
export function emptyVendorForm(protocol: ProtocolKind = "openai_chat"): VendorForm {
  return {
    name: "",
    protocol,
    baseUrl: "",
    model: "",
    systemPrompt: "",
    promptTemplate: DEFAULT_PROMPT,
    structuredOutput: true,
    maxTokens: "",
    temperature: "",
    modelName: "",
    outputName: "",
    mlflowFormat: "dataframe_split",
    method: "POST",
    path: "",
    headers: "",
    bodyTemplate: DEFAULT_BODY,
    predictionPointer: "/prediction",
    useAuth: protocol === "openai_chat",
    authHeader: "Authorization",
    authPrefix: "Bearer ",
    authEnv: "",
    timeoutMs: "30000",
    maxRetries: "3",
    requestsPerSecond: "",
    concurrency: "4",
    batchSize: "1",
    pricePerCall: "",
    pricePer1kInput: "",
    pricePer1kOutput: "",
  };
}

/** The label of each field, as messages name it. */
export const FIELD_LABELS: Record<VendorField, string> = {
  name: "Name",
  protocol: "Protocol",
  baseUrl: "Base URL",
  model: "Model",
  systemPrompt: "System prompt",
  promptTemplate: "Prompt template",
  structuredOutput: "Structured output",
  maxTokens: "Max tokens",
  temperature: "Temperature",
  modelName: "Model name",
  outputName: "Output name",
  mlflowFormat: "Format",
  method: "Method",
  path: "Path",
  headers: "Extra headers",
  bodyTemplate: "Body template",
  predictionPointer: "JSON pointer",
  useAuth: "Authentication",
  authHeader: "Header",
  authPrefix: "Prefix",
  authEnv: "Environment variable",
  timeoutMs: "Timeout",
  maxRetries: "Max retries",
  requestsPerSecond: "Requests per second",
  concurrency: "Concurrency",
  batchSize: "Batch size",
  pricePerCall: "Price per call",
  pricePer1kInput: "Price per 1k input tokens",
  pricePer1kOutput: "Price per 1k output tokens",
};

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** A whole number of at least `min` (and at most `max`). */
export function parseWhole(text: string, label: string, min: number, max = Number.MAX_SAFE_INTEGER): Checked<number> {
  const t = text.trim();
  if (t === "") return { ok: false, error: `${label}: give a whole number of at least ${min}` };
  if (!/^\d+$/.test(t)) return { ok: false, error: `${label}: '${t}' is not a whole number` };
  const v = Number(t);
  if (v < min || v > max) {
    return { ok: false, error: max === Number.MAX_SAFE_INTEGER ? `${label}: must be at least ${min}` : `${label}: must be between ${min} and ${max}` };
  }
  return { ok: true, value: v };
}

/** An optional number (empty: none), at least 0, or above 0 when `positive`. */
export function parseOptional(text: string, label: string, positive = false): Checked<number | null> {
  const t = text.trim();
  if (t === "") return { ok: true, value: null };
  const v = Number(t);
  if (!Number.isFinite(v)) return { ok: false, error: `${label}: '${t}' is not a number` };
  if (positive ? v <= 0 : v < 0) return { ok: false, error: `${label}: must be ${positive ? "above 0" : "0 or more"}` };
  return { ok: true, value: v };
}

/**
 * The placeholder names of a template (`{{column}}`, `{{row}}`, `{{labels}}`),
 * or what is wrong with it; the same rules as the Rust side.
 */
export function templatePlaceholders(template: string): Checked<string[]> {
  const names: string[] = [];
  let at = 0;
  for (;;) {
    const start = template.indexOf("{{", at);
    if (start < 0) return { ok: true, value: names };
    const end = template.indexOf("}}", start + 2);
    if (end < 0) return { ok: false, error: `'{{' at character ${start + 1} is never closed with '}}'` };
    const name = template.slice(start + 2, end).trim();
    if (name === "" || name.includes("{")) return { ok: false, error: `'{{${template.slice(start + 2, end)}}}' names no column` };
    names.push(name);
    at = end + 2;
  }
}

/** A body template filled with placeholder values must be JSON. */
function checkBodyTemplate(template: string): string | null {
  const names = templatePlaceholders(template);
  if (!names.ok) return names.error;
  if (template.trim() === "") return 'write the JSON to send, like {"inputs": {{row}}}';
  // A string that is only a placeholder ("{{text}}") would be quoted twice.
  const strings = template.match(/"(?:[^"\\]|\\.)*"/g) ?? [];
  if (strings.some((s) => /^"\s*\{\{[^}]*\}\}\s*"$/.test(s))) {
    return 'write placeholders without quotes, like {"text": {{text}}}: each becomes the value as JSON, a string arrives quoted';
  }
  try {
    JSON.parse(template.replace(/\{\{[^}]*\}\}/g, "0"));
    return null;
  } catch (e) {
    return `not JSON once the placeholders are filled (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** The checks the API makes on a base URL, said before sending. */
export function checkBaseUrl(text: string): string | null {
  const t = text.trim();
  if (t === "") return "give the service's address, like http://127.0.0.1:8080";
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return `'${t}' is not a URL; write it like http://127.0.0.1:8080`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `use http or https, not ${url.protocol.replace(/:$/, "")}`;
  if (url.username !== "" || url.password !== "") {
    return "credentials in the URL would be stored with it: name an environment variable under Authentication instead";
  }
  return null;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const SECRET_HEADER = /^(proxy-)?authorization$|api[-_]?key|token|secret|password|cookie/i;

/** `Name: value` lines as headers; a header that carries a secret is refused. */
export function parseHeaders(text: string): Checked<Header[]> {
  const headers: Header[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return { ok: false, error: `line ${i + 1}: write 'Name: value'` };
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) return { ok: false, error: `line ${i + 1}: '${name}' is not a header name` };
    if (SECRET_HEADER.test(name)) {
      return {
        ok: false,
        error: `line ${i + 1}: ${name} looks secret, and these headers are stored in the project; put it under Authentication, read from an environment variable`,
      };
    }
    headers.push({ name, value });
  }
  return { ok: true, value: headers };
}

/**
 * The name of the environment variable holding the key. Never echoes what
 * was typed: a person may have pasted the key itself.
 */
export function checkEnvVar(text: string): string | null {
  const t = text.trim();
  if (t === "") {
    return "name the environment variable that holds the key, like OPENAI_API_KEY; Data Lab reads it when it calls the service, and the key is never entered here";
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
    return "this is not an environment variable name (letters, digits and _): give the variable's name, like OPENAI_API_KEY, never the key itself";
  }
  return null;
}

export function checkVendorName(name: string): string | null {
  if (name.trim() === "") return "give the vendor a name, like openai-mini";
  if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(name)) return `'${name}' cannot name a vendor: use up to 64 letters, digits, '-', '_' or '.'`;
  return null;
}

function buildProtocol(form: VendorForm, errors: FieldErrors): Protocol | null {
  switch (form.protocol) {
    case "openai_chat": {
      if (form.model.trim() === "") errors.model = "name the model, like gpt-4o-mini";
      const placeholders = templatePlaceholders(form.promptTemplate);
      if (form.promptTemplate.trim() === "") errors.promptTemplate = "write the user message, with {{column}} placeholders, {{row}} or {{labels}}";
      else if (!placeholders.ok) errors.promptTemplate = placeholders.error;
      const maxTokens = form.maxTokens.trim() === "" ? ({ ok: true, value: null } as const) : parseWhole(form.maxTokens, FIELD_LABELS.maxTokens, 1, 4_294_967_295);
      if (!maxTokens.ok) errors.maxTokens = maxTokens.error;
      const temperature = parseOptional(form.temperature, FIELD_LABELS.temperature);
      if (!temperature.ok) errors.temperature = temperature.error;
      if (!maxTokens.ok || !temperature.ok) return null;
      return {
        kind: "openai_chat",
        model: form.model.trim(),
        system_prompt: form.systemPrompt.trim() === "" ? null : form.systemPrompt,
        prompt_template: form.promptTemplate,
        structured_output: form.structuredOutput,
        max_tokens: maxTokens.value,
        temperature: temperature.value,
      };
    }
    case "oip_v2":
      if (form.modelName.trim() === "") errors.modelName = "name the served model, as in /v2/models/<name>/infer";
      return { kind: "oip_v2", model_name: form.modelName.trim(), output: form.outputName.trim() === "" ? null : form.outputName.trim() };
    case "mlflow":
      return { kind: "mlflow", format: form.mlflowFormat };
    case "http": {
      const method = form.method.trim().toUpperCase();
      if (!/^[A-Z]+$/.test(method)) errors.method = `'${form.method}' is not an HTTP method`;
      const path = form.path.trim();
      if (path !== "" && !path.startsWith("/")) errors.path = "a path starts with '/', like /predict";
      const headers = parseHeaders(form.headers);
      if (!headers.ok) errors.headers = headers.error;
      const body = checkBodyTemplate(form.bodyTemplate);
      if (body) errors.bodyTemplate = body;
      const pointer = form.predictionPointer.trim();
      if (pointer !== "" && !pointer.startsWith("/")) errors.predictionPointer = "a JSON pointer starts with '/', like /result/prediction";
      if (!headers.ok) return null;
      return { kind: "http", method, path, headers: headers.value, body_template: form.bodyTemplate, prediction_pointer: pointer };
    }
  }
}

export type BuiltVendor = { ok: true; request: AddVendorRequest } | { ok: false; errors: FieldErrors };

/**
 * The request `add_vendor` takes, exactly as the API expects it (it refuses
 * unknown fields), or a message per field that is wrong. The batch size is
 * 1 for protocols that send one row per call, and token prices 0 for those
 * that report no tokens, whatever the (hidden) fields say.
 */
export function buildConnector(form: VendorForm): BuiltVendor {
  const errors: FieldErrors = {};
  const name = checkVendorName(form.name);
  if (name) errors.name = name;
  const url = checkBaseUrl(form.baseUrl);
  if (url) errors.baseUrl = url;
  const protocol = buildProtocol(form, errors);

  let auth: Connector["auth"] = null;
  if (form.useAuth) {
    const header = form.authHeader.trim();
    if (!/^[A-Za-z0-9_-]+$/.test(header)) errors.authHeader = header === "" ? "name the header the key goes in, like Authorization" : `'${header}' is not a header name`;
    const env = checkEnvVar(form.authEnv);
    if (env) errors.authEnv = env;
    auth = { header, prefix: form.authPrefix, secret: { from: "env", var: form.authEnv.trim() } };
  }

  const timeout = parseWhole(form.timeoutMs, FIELD_LABELS.timeoutMs, 1);
  if (!timeout.ok) errors.timeoutMs = timeout.error;
  const retries = parseWhole(form.maxRetries, FIELD_LABELS.maxRetries, 0, 4_294_967_295);
  if (!retries.ok) errors.maxRetries = retries.error;
  const rate = parseOptional(form.requestsPerSecond, FIELD_LABELS.requestsPerSecond, true);
  if (!rate.ok) errors.requestsPerSecond = rate.error;
  const concurrency = parseWhole(form.concurrency, FIELD_LABELS.concurrency, 1, 1024);
  if (!concurrency.ok) errors.concurrency = concurrency.error;
  const batch = protocolBatches(form.protocol) ? parseWhole(form.batchSize, FIELD_LABELS.batchSize, 1) : ({ ok: true, value: 1 } as const);
  if (!batch.ok) errors.batchSize = batch.error;
  // Only chat services report tokens: token prices elsewhere would never apply.
  const priced = form.protocol === "openai_chat" ? (["pricePerCall", "pricePer1kInput", "pricePer1kOutput"] as const) : (["pricePerCall"] as const);
  const prices = priced.map((field) => {
    const parsed = parseOptional(form[field], FIELD_LABELS[field]);
    if (!parsed.ok) errors[field] = parsed.error;
    return parsed.ok ? (parsed.value ?? 0) : 0;
  });

  if (Object.keys(errors).length > 0 || !protocol || !timeout.ok || !retries.ok || !rate.ok || !concurrency.ok || !batch.ok) {
    return { ok: false, errors };
  }
  const connector: Connector = {
    protocol,
    base_url: form.baseUrl.trim(),
    auth,
    timeout_ms: timeout.value,
    max_retries: retries.value,
    requests_per_second: rate.value,
    concurrency: concurrency.value,
    batch_size: batch.value,
    pricing: { per_call: prices[0] ?? 0, per_1k_input_tokens: prices[1] ?? 0, per_1k_output_tokens: prices[2] ?? 0 },
  };
  return { ok: true, request: { name: form.name, connector } };
}

const API_FIELDS: Record<string, VendorField> = {
  base_url: "baseUrl",
  timeout_ms: "timeoutMs",
  concurrency: "concurrency",
  batch_size: "batchSize",
  requests_per_second: "requestsPerSecond",
  pricing: "pricePerCall",
  "auth.header": "authHeader",
  "auth.secret.var": "authEnv",
  "protocol.model": "model",
  "protocol.prompt_template": "promptTemplate",
  "protocol.model_name": "modelName",
  "protocol.method": "method",
  "protocol.body_template": "bodyTemplate",
  "protocol.prediction_pointer": "predictionPointer",
  "protocol.headers": "headers",
};

/**
 * The form field an `add_vendor` error is about: the API names it in the
 * error's `field` (`base_url`, `name`); the message is shown whole either way.
 */
export function fieldOfApiError(code: string | null, field: string | null): VendorField | undefined {
  if (code === "name_taken" || field === "name") return "name";
  return field === null ? undefined : API_FIELDS[field];
}

// ---- Agreements ----------------------------------------------------------

/** The agreements editor as typed; the error rate in percent. */
export interface AgreementsForm {
  metric: string;
  minMetric: string;
  maxP95Ms: string;
  maxCostPer1000: string;
  maxErrorRatePercent: string;
}

function numberText(value: number | null): string {
  return value === null ? "" : String(value);
}

export function agreementsForm(a: Agreements): AgreementsForm {
  return {
    metric: a.metric ?? "",
    minMetric: numberText(a.min_metric),
    maxP95Ms: numberText(a.max_p95_ms),
    maxCostPer1000: numberText(a.max_cost_per_1000),
    // 0.05 → "5", not "5.000000000000001".
    maxErrorRatePercent: a.max_error_rate === null ? "" : String(Number((a.max_error_rate * 100).toPrecision(12))),
  };
}

export type BuiltAgreements = { ok: true; agreements: Agreements } | { ok: false; errors: Partial<Record<keyof AgreementsForm, string>> };

/** What `set_agreements` takes: empty fields are no agreement, the rate a share from 0 to 1. */
export function buildAgreements(form: AgreementsForm): BuiltAgreements {
  const errors: Partial<Record<keyof AgreementsForm, string>> = {};
  const min = form.minMetric.trim() === "" ? null : Number(form.minMetric.trim());
  if (min !== null && !Number.isFinite(min)) errors.minMetric = `Minimum: '${form.minMetric.trim()}' is not a number`;
  const p95 = parseOptional(form.maxP95Ms, "Max p95 latency");
  if (!p95.ok) errors.maxP95Ms = p95.error;
  const cost = parseOptional(form.maxCostPer1000, "Max cost per 1,000");
  if (!cost.ok) errors.maxCostPer1000 = cost.error;
  const rate = parseOptional(form.maxErrorRatePercent, "Max error rate");
  if (!rate.ok) errors.maxErrorRatePercent = rate.error;
  else if (rate.value !== null && rate.value > 100) errors.maxErrorRatePercent = "Max error rate: a percentage, from 0 to 100";
  if (Object.keys(errors).length > 0 || !p95.ok || !cost.ok || !rate.ok) return { ok: false, errors };
  return {
    ok: true,
    agreements: {
      metric: form.metric.trim() === "" ? null : form.metric.trim(),
      min_metric: min,
      max_p95_ms: p95.value,
      max_cost_per_1000: cost.value,
      max_error_rate: rate.value === null ? null : rate.value / 100,
    },
  };
}

export function hasAgreements(a: Agreements): boolean {
  return a.min_metric !== null || a.max_p95_ms !== null || a.max_cost_per_1000 !== null || a.max_error_rate !== null;
}

// ---- Formatting ----------------------------------------------------------

/** Money, in the vendor's currency (US dollars by convention). */
export function formatCost(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "$0";
  if (Math.abs(value) >= 1) return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${Number(value.toPrecision(3))}`;
}

/** A latency in milliseconds: sub-millisecond local models keep two significant digits. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${Number(ms.toPrecision(2))} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A share from 0 to 1 as a percentage. */
export function formatRate(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  return `${(share * 100).toFixed(1)} %`;
}

export function formatThroughput(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return "–";
  if (perSecond >= 100) return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  return `${Number(perSecond.toPrecision(2))}/s`;
}

export function formatMeanStd(m: MeanStd | undefined): string {
  if (!m) return "–";
  const digits = (v: number, n: number) => (Number.isInteger(v) ? String(v) : v.toFixed(n));
  return `${digits(m.mean, 4)} ± ${digits(m.std, 3)}`;
}

export const FAILURE_LABELS: Record<FailureKind, string> = {
  timeout: "timed out",
  rate_limited: "rate limited (429)",
  server_error: "server error (5xx)",
  refused: "refused (401/403)",
  rejected: "rejected (4xx)",
  unreachable: "unreachable",
  malformed: "malformed answer",
  invalid_answer: "answer not a label / number",
  not_sent: "not sent",
};

/**
 * Whether an answer is a wrong label: both present, different, and not both
 * numbers (a regression's answer is never equal to its truth, nor wrong).
 */
export function isWrongLabel(truth: string | null, answer: string | null): boolean {
  if (truth === null || answer === null || truth === answer) return false;
  const numeric = (s: string) => s.trim() !== "" && Number.isFinite(Number(s));
  return !(numeric(truth) && numeric(answer));
}

/** What a finished evaluation's status means, in a sentence. */
export function statusSentence(status: EvaluationStatus): string {
  switch (status) {
    case "running":
      return "Running.";
    case "succeeded":
      return "Finished: every test row was sent.";
    case "capped":
      return "Stopped at the spend cap: the rows answered before it are scored.";
    case "failed":
      return "Failed.";
    case "cancelled":
      return "Cancelled: the rows not sent are recorded as not sent; the answered ones are scored.";
    case "interrupted":
      return "Interrupted: the process running it ended.";
  }
}

/** What an evaluation's outcome says: its message, unless that only repeats the status. */
export function outcomeSentence(info: Pick<EvaluationInfo, "status" | "message">): string {
  const m = info.message?.trim() ?? "";
  return m === "" || m.toLowerCase() === info.status ? statusSentence(info.status) : m;
}

/** A live evaluation's progress as a share (0 to 1) and in words. */
export function progressOf(p: EvaluationProgress): { share: number; text: string } {
  const share = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const parts = [`${p.done.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} rows`];
  if (p.failed > 0) parts.push(`${p.failed.toLocaleString("en-US")} failed`);
  if (p.cached > 0) parts.push(`${p.cached.toLocaleString("en-US")} cached`);
  parts.push(`${formatCost(p.spent)} spent`);
  return { share, text: parts.join(" · ") };
}

/** The evaluation a launcher waits for: what it asked for, then the id the events carry. */
export interface WatchedEvaluation {
  vendor: string;
  experiment: number;
  /** Known from the first event (done 0, sent once the evaluation is recorded). */
  id: number | null;
}

/**
 * The watched evaluation's id when a progress event is about it, else null.
 * Before the id is known, the first event of an evaluation (done 0, sent
 * right after it is recorded) of the same vendor on the same experiment
 * gives it; from then on only the id counts, so an evaluation running in
 * another window, even of the same vendor, is never taken for this one.
 */
export function watchedProgress(watch: WatchedEvaluation | null, p: EvaluationProgress): number | null {
  if (!watch) return null;
  if (watch.id !== null) return p.evaluation === watch.id ? watch.id : null;
  return p.done === 0 && p.vendor === watch.vendor && p.experiment === watch.experiment ? p.evaluation : null;
}

// ---- Candidates ----------------------------------------------------------

const KEY_METRICS = ["accuracy", "f1_macro", "roc_auc", "log_loss", "r2", "rmse", "mae", "silhouette"];

/** Up to `limit` metrics to show beside the score: common ones first, then any the candidates share most. */
export function keyMetrics(candidates: Candidate[], scoreMetric: string, limit = 3): string[] {
  const counts = new Map<string, number>();
  for (const c of candidates) for (const m of Object.keys(c.metrics)) counts.set(m, (counts.get(m) ?? 0) + 1);
  counts.delete(scoreMetric);
  const rank = (m: string) => {
    const i = KEY_METRICS.indexOf(m);
    return i < 0 ? KEY_METRICS.length : i;
  };
  return [...counts.keys()]
    .sort((a, b) => rank(a) - rank(b) || (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b))
    .slice(0, limit);
}

/** `meets` ordered: meets the agreements, no agreements, misses them. */
function meetsRank(c: Candidate): number {
  return c.meets === true ? 0 : c.meets === null ? 1 : 2;
}

/**
 * The candidates table's order: the best first, then those meeting the
 * agreements, then by score (in the metric's direction; none last), then the
 * cheaper, then the faster at p95.
 */
export function sortCandidates(candidates: Candidate[], higherBetter: boolean): Candidate[] {
  const score = (c: Candidate) => (c.score === null || !Number.isFinite(c.score) ? -Infinity : higherBetter ? c.score : -c.score);
  return [...candidates].sort(
    (a, b) =>
      Number(b.best) - Number(a.best) ||
      meetsRank(a) - meetsRank(b) ||
      score(b) - score(a) ||
      (a.cost_per_1000 ?? Infinity) - (b.cost_per_1000 ?? Infinity) ||
      (a.latency?.p95 ?? Infinity) - (b.latency?.p95 ?? Infinity) ||
      a.name.localeCompare(b.name),
  );
}

/** Whether `metric`'s value in `c` is the best of all candidates (for bold cells). */
export function bestOnMetric(candidates: Candidate[], metric: string, c: Candidate): boolean {
  // A candidate scored on rows it learned from (`caution`) is never the best, on any metric.
  const value = c.caution ? undefined : c.metrics[metric]?.mean;
  if (value === undefined || !Number.isFinite(value)) return false;
  const values = candidates
    .filter((x) => !x.caution)
    .map((x) => x.metrics[metric]?.mean)
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  return value === (higherIsBetter(metric) ? Math.max(...values) : Math.min(...values));
}

/** A stable key per candidate (`local-<run>` or `vendor-<evaluation>`), for rows and test ids. */
export function candidateKey(c: Candidate): string {
  return c.kind === "local" ? `local-${c.run ?? c.name}` : `vendor-${c.evaluation ?? c.name}`;
}

export interface ChartPoint {
  name: string;
  /** p95 latency in ms, above 0 for the log axis. */
  x: number;
  /** The score. */
  y: number;
  cost: number | null;
  /** Symbol size, by cost. */
  size: number;
  best: boolean;
}

export interface ScoreLatencyPoints {
  local: ChartPoint[];
  vendor: ChartPoint[];
  best: ChartPoint | null;
  /** Candidates left out: no score or no latency. */
  omitted: string[];
}

/** Smallest latency drawn on the log axis (a local model can measure 0). */
export const MIN_LATENCY_MS = 0.001;

/** A symbol's size: 8 px for free, up to 30 px for the most expensive. */
export function sizeForCost(cost: number | null, maxCost: number): number {
  if (cost === null || !(cost > 0) || !(maxCost > 0)) return 8;
  return Math.round(8 + 22 * Math.sqrt(Math.min(1, cost / maxCost)));
}

/** The points of the score vs p95 latency chart, local and vendor apart. */
export function scoreLatencyPoints(comparison: CandidateComparison): ScoreLatencyPoints {
  const maxCost = Math.max(0, ...comparison.candidates.map((c) => c.cost_per_1000 ?? 0));
  const out: ScoreLatencyPoints = { local: [], vendor: [], best: null, omitted: [] };
  for (const c of comparison.candidates) {
    if (c.score === null || !Number.isFinite(c.score) || !c.latency) {
      out.omitted.push(c.name);
      continue;
    }
    const point: ChartPoint = {
      name: c.name,
      x: Math.max(MIN_LATENCY_MS, c.latency.p95),
      y: c.score,
      cost: c.cost_per_1000,
      size: sizeForCost(c.cost_per_1000, maxCost),
      best: c.best,
    };
    out[c.kind].push(point);
    if (c.best) out.best = point;
  }
  return out;
}

/** The Vendors page's steps, shown as tabs in this order. */
export const VENDOR_TABS = [
  { id: "connect", label: "1 Connect & test" },
  { id: "evaluate", label: "2 Evaluate" },
  { id: "compare", label: "3 Compare" },
] as const;

export type VendorTab = (typeof VENDOR_TABS)[number]["id"];

/**
 * Whether the Vendors page was opened by a link that brings an experiment or
 * a vendor ("Evaluate it on the Vendors page →"): it then opens on Evaluate.
 * The top bar brings neither (main.tsx clears them), and keeps the tab chosen.
 */
export function opensEvaluate(experiment: number | null | undefined, vendor: string | null | undefined): boolean {
  return (experiment !== null && experiment !== undefined) || (vendor !== null && vendor !== undefined);
}

/**
 * The tab to show once an evaluation has ended: Compare when it produced a
 * candidate (succeeded or capped, what the comparison takes); otherwise null,
 * staying on Evaluate where the failure or the cancellation is told.
 */
export function tabAfterEvaluation(info: Pick<EvaluationInfo, "status"> | null): VendorTab | null {
  return info !== null && (info.status === "succeeded" || info.status === "capped") ? "compare" : null;
}
