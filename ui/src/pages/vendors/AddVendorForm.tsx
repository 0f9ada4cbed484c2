// The "Add vendor" form: a connector's fields, which change with the
// protocol, checked field by field (lib/vendors.ts) before `add_vendor`;
// the API's own refusal is shown next to the button and on its field.
// No secret is ever asked for: only the name of the environment variable
// the Data Lab process reads it from.

import { useState } from "preact/hooks";
import type { JSX, TargetedEvent } from "preact";
import type { MlflowFormat, VendorInfo } from "../../api/types";
import { call } from "../../api/client";
import {
  MLFLOW_FORMATS,
  PROTOCOLS,
  baseUrlExample,
  buildConnector,
  emptyVendorForm,
  fieldOfApiError,
  protocolBatches,
  type FieldErrors,
  type ProtocolKind,
  type VendorField,
  type VendorForm,
} from "../../lib/vendors";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";

type Input = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export function AddVendorForm(props: { onAdded: (vendor: VendorInfo) => void }) {
  const [form, setForm] = useState<VendorForm>(emptyVendorForm());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<Failure | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const update = (patch: Partial<VendorForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // A field's message goes once the field changes.
    setErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(patch) as VendorField[]) delete next[key];
      return next;
    });
    setAdded(null);
  };
  const chooseProtocol = (protocol: ProtocolKind) => update({ protocol, useAuth: protocol === "openai_chat" ? true : form.useAuth });

  const add = async () => {
    const built = buildConnector(form);
    setFailure(null);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setBusy(true);
    try {
      const info = await call("add_vendor", built.request);
      setForm(emptyVendorForm(form.protocol));
      setErrors({});
      setAdded(info.name);
      props.onAdded(info);
    } catch (e) {
      const f = failureOf(e);
      setFailure(f);
      const field = fieldOfApiError(f.code, f.field);
      if (field) setErrors({ [field]: f.message });
    } finally {
      setBusy(false);
    }
  };

  /** A labelled input, textarea or select bound to one field, with its message under it. */
  const field = (
    key: VendorField,
    id: string,
    label: string,
    control: (props: { value: string; class: string; onInput: (e: TargetedEvent<Input>) => void }) => JSX.Element,
    options: { wide?: boolean; hint?: string } = {},
  ) => (
    <label class={options.wide ? "wide" : ""}>
      {label}
      {control({
        value: String(form[key]),
        class: errors[key] ? "invalid" : "",
        onInput: (e) => update({ [key]: e.currentTarget.value } as Partial<VendorForm>),
      })}
      {options.hint && <span class="muted small">{options.hint}</span>}
      {errors[key] && (
        <span class="error small" data-testid={`${id}-error`}>
          {errors[key]}
        </span>
      )}
    </label>
  );
  const text = (key: VendorField, id: string, label: string, placeholder = "", options: { wide?: boolean; hint?: string; numeric?: boolean } = {}) =>
    field(
      key,
      id,
      label,
      (p) => (options.numeric ? <input {...tid(id)} type="number" step="any" placeholder={placeholder} {...p} /> : <input {...tid(id)} type="text" placeholder={placeholder} {...p} />),
      options,
    );
  const area = (key: VendorField, id: string, label: string, rows: number, placeholder = "", hint?: string) =>
    field(key, id, label, (p) => <textarea {...tid(id)} rows={rows} placeholder={placeholder} spellcheck={false} {...p} />, { wide: true, hint });

  const messages = Object.values(errors);
  return (
    <div class="vendor-form" data-testid="vendor-form">
      <h2>Add vendor</h2>
      <div class="form">
        {text("name", "vendor-name", "Name", "openai-mini")}
        <label>
          Protocol
          <select {...tid("vendor-protocol")} value={form.protocol} onChange={(e) => chooseProtocol(e.currentTarget.value as ProtocolKind)}>
            {PROTOCOLS.map((p) => (
              <option value={p.kind}>{p.label}</option>
            ))}
          </select>
        </label>
        {text("baseUrl", "vendor-url", "Base URL", baseUrlExample(form.protocol), { wide: true })}
      </div>

      <fieldset>
        <legend>{PROTOCOLS.find((p) => p.kind === form.protocol)?.label}</legend>
        <div class="form">{protocolFields(form, update, text, area)}</div>
      </fieldset>

      <fieldset>
        <legend>Authentication</legend>
        <div class="form">
          <label>
            Key
            <select {...tid("vendor-auth")} value={form.useAuth ? "env" : "none"} onChange={(e) => update({ useAuth: e.currentTarget.value === "env" })}>
              <option value="none">none</option>
              <option value="env">from an environment variable</option>
            </select>
          </label>
          {form.useAuth && (
            <>
              {text("authHeader", "vendor-auth-header", "Header", "Authorization")}
              {text("authPrefix", "vendor-auth-prefix", "Prefix", "Bearer ", { hint: "before the key, space included" })}
              {text("authEnv", "vendor-auth-env", "Environment variable", "OPENAI_API_KEY")}
            </>
          )}
        </div>
        {form.useAuth && (
          <p class="muted small">
            The key is read from this environment variable of the Data Lab process each time the service is called: set it before starting Data Lab. Only
            the variable's name is stored; the key never is, and is never shown.
          </p>
        )}
      </fieldset>

      <fieldset>
        <legend>Limits</legend>
        <div class="form">
          {text("timeoutMs", "vendor-timeout", "Timeout (ms)", "30000", { numeric: true })}
          {text("maxRetries", "vendor-retries", "Max retries", "3", { numeric: true })}
          {text("requestsPerSecond", "vendor-rps", "Requests per second", "no limit", { numeric: true })}
          {text("concurrency", "vendor-concurrency", "Concurrency", "4", { numeric: true })}
          {protocolBatches(form.protocol) && text("batchSize", "vendor-batch-size", "Batch size (rows per call)", "1", { numeric: true })}
        </div>
      </fieldset>

      <fieldset>
        <legend>Pricing (US dollars)</legend>
        <div class="form">
          {text("pricePerCall", "vendor-price-call", "Per call", "0", { numeric: true })}
          {form.protocol === "openai_chat" && (
            <>
              {text("pricePer1kInput", "vendor-price-input", "Per 1k input tokens", "0", { numeric: true })}
              {text("pricePer1kOutput", "vendor-price-output", "Per 1k output tokens", "0", { numeric: true })}
            </>
          )}
        </div>
      </fieldset>

      {messages.length > 0 && (
        <ul class="error" {...tid("vendor-form-errors")}>
          {messages.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      )}
      <ApiErrorView failure={failure} testId="vendor-add-error" />
      <div class="row">
        <button class="primary" {...tid("vendor-add")} disabled={busy} onClick={() => void add()}>
          Add vendor
        </button>
        {added && (
          <span class="small" {...tid("vendor-add-status")}>
            Added {added}.
          </span>
        )}
      </div>
    </div>
  );
}

type TextField = (key: VendorField, id: string, label: string, placeholder?: string, options?: { wide?: boolean; hint?: string; numeric?: boolean }) => JSX.Element;
type AreaField = (key: VendorField, id: string, label: string, rows: number, placeholder?: string, hint?: string) => JSX.Element;

/** The fields only one protocol has. */
function protocolFields(form: VendorForm, update: (patch: Partial<VendorForm>) => void, text: TextField, area: AreaField): JSX.Element {
  switch (form.protocol) {
    case "openai_chat":
      return (
        <>
          {text("model", "vendor-model-name", "Model", "gpt-4o-mini")}
          {text("maxTokens", "vendor-max-tokens", "Max tokens", "service default", { numeric: true })}
          {text("temperature", "vendor-temperature", "Temperature", "service default", { numeric: true })}
          <label class="check">
            <input type="checkbox" {...tid("vendor-structured-output")} checked={form.structuredOutput} onChange={(e) => update({ structuredOutput: e.currentTarget.checked })} />
            <span>
              Structured output (JSON schema); off for services that do not take <code>response_format</code>
            </span>
          </label>
          {area("systemPrompt", "vendor-system-prompt", "System prompt (optional)", 2)}
          {area(
            "promptTemplate",
            "vendor-prompt-template",
            "Prompt template",
            4,
            "",
            "{{column}}: a feature's value · {{row}}: every feature as 'name: value' lines · {{labels}}: the allowed labels",
          )}
        </>
      );
    case "oip_v2":
      return (
        <>
          {text("modelName", "vendor-model-name", "Model name", "penguins", { hint: "POST {base}/v2/models/<name>/infer" })}
          {text("outputName", "vendor-output-name", "Output name", "the first output", { hint: "the output tensor holding predictions" })}
        </>
      );
    case "mlflow":
      return (
        <label>
          Format
          <select {...tid("vendor-mlflow-format")} value={form.mlflowFormat} onChange={(e) => update({ mlflowFormat: e.currentTarget.value as MlflowFormat })}>
            {MLFLOW_FORMATS.map((f) => (
              <option value={f}>{f}</option>
            ))}
          </select>
          <span class="muted small">POST {"{base}"}/invocations</span>
        </label>
      );
    case "http":
      return (
        <>
          {text("method", "vendor-http-method", "Method", "POST")}
          {text("path", "vendor-http-path", "Path", "/predict", { hint: "appended to the base URL" })}
          {text("predictionPointer", "vendor-prediction-pointer", "JSON pointer to the prediction", "/result/prediction")}
          {area("headers", "vendor-http-headers", "Extra headers (not secret), one 'Name: value' per line", 2, "X-Client: data-lab")}
          {area(
            "bodyTemplate",
            "vendor-body-template",
            "Body template (JSON)",
            3,
            '{"inputs": {{row}}}',
            "{{column}}: the value as JSON (a string arrives quoted, so no quotes around it) · {{row}}: the row as an object · {{labels}}: the allowed labels",
          )}
        </>
      );
  }
}
