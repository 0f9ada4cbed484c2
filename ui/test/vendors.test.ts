import { describe, expect, it } from "vitest";
import type { Candidate, CandidateComparison, EvaluationProgress, LatencySummary } from "../src/api/types";
import {
  agreementsForm,
  bestOnMetric,
  buildAgreements,
  buildConnector,
  checkEnvVar,
  emptyVendorForm,
  fieldOfApiError,
  formatCost,
  formatLatency,
  formatRate,
  formatThroughput,
  isWrongLabel,
  keyMetrics,
  opensEvaluate,
  outcomeSentence,
  parseHeaders,
  progressOf,
  scoreLatencyPoints,
  sizeForCost,
  sortCandidates,
  tabAfterEvaluation,
  templatePlaceholders,
  watchedProgress,
  type VendorForm,
} from "../src/lib/vendors";

function form(patch: Partial<VendorForm>): VendorForm {
  return { ...emptyVendorForm(patch.protocol), ...patch };
}

function built(patch: Partial<VendorForm>) {
  const result = buildConnector(form(patch));
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.request;
}

function errorsOf(patch: Partial<VendorForm>) {
  const result = buildConnector(form(patch));
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("building a connector from the form", () => {
  it("gives the OpenAI-compatible chat connector exactly", () => {
    expect(
      built({
        name: "openai-mini",
        protocol: "openai_chat",
        baseUrl: " https://api.openai.com/v1 ",
        model: "gpt-4o-mini",
        systemPrompt: "You label penguins.",
        promptTemplate: "Bill {{bill_length_mm}} mm.\n{{row}}\nOne of {{labels}}",
        structuredOutput: false,
        maxTokens: "20",
        temperature: "0",
        useAuth: true,
        authEnv: "OPENAI_API_KEY",
        requestsPerSecond: "5",
        batchSize: "16",
        pricePer1kInput: "0.00015",
        pricePer1kOutput: "0.0006",
      }),
    ).toEqual({
      name: "openai-mini",
      connector: {
        protocol: {
          kind: "openai_chat",
          model: "gpt-4o-mini",
          system_prompt: "You label penguins.",
          prompt_template: "Bill {{bill_length_mm}} mm.\n{{row}}\nOne of {{labels}}",
          structured_output: false,
          max_tokens: 20,
          temperature: 0,
        },
        base_url: "https://api.openai.com/v1",
        auth: { header: "Authorization", prefix: "Bearer ", secret: { from: "env", var: "OPENAI_API_KEY" } },
        timeout_ms: 30000,
        max_retries: 3,
        requests_per_second: 5,
        concurrency: 4,
        // Chat takes one row per call: the field is ignored.
        batch_size: 1,
        pricing: { per_call: 0, per_1k_input_tokens: 0.00015, per_1k_output_tokens: 0.0006 },
      },
    });
  });

  it("leaves empty optional chat fields as null", () => {
    const { connector } = built({ name: "local-llm", baseUrl: "http://127.0.0.1:11434/v1", model: "llama3", useAuth: false });
    expect(connector.protocol).toEqual({
      kind: "openai_chat",
      model: "llama3",
      system_prompt: null,
      prompt_template: "Classify this row.\n{{row}}\nAnswer with one of: {{labels}}.",
      structured_output: true,
      max_tokens: null,
      temperature: null,
    });
    expect(connector.auth).toBeNull();
    expect(connector.requests_per_second).toBeNull();
  });

  it("gives the OIP v2 connector with its batch size", () => {
    expect(
      built({
        name: "triton",
        protocol: "oip_v2",
        baseUrl: "http://127.0.0.1:8080",
        modelName: "penguins",
        outputName: "",
        batchSize: "32",
        concurrency: "2",
        timeoutMs: "5000",
        maxRetries: "0",
        pricePerCall: "0.001",
        // Left from a chat form: OIP reports no tokens, so no token price.
        pricePer1kInput: "0.5",
      }),
    ).toEqual({
      name: "triton",
      connector: {
        protocol: { kind: "oip_v2", model_name: "penguins", output: null },
        base_url: "http://127.0.0.1:8080",
        auth: null,
        timeout_ms: 5000,
        max_retries: 0,
        requests_per_second: null,
        concurrency: 2,
        batch_size: 32,
        pricing: { per_call: 0.001, per_1k_input_tokens: 0, per_1k_output_tokens: 0 },
      },
    });
    expect(built({ name: "t", protocol: "oip_v2", baseUrl: "http://h:1", modelName: "m", outputName: "label" }).connector.protocol).toEqual({
      kind: "oip_v2",
      model_name: "m",
      output: "label",
    });
  });

  it("gives the MLflow connector with its format", () => {
    const { connector } = built({ name: "mlflow", protocol: "mlflow", baseUrl: "http://127.0.0.1:5000", mlflowFormat: "instances", batchSize: "100" });
    expect(connector.protocol).toEqual({ kind: "mlflow", format: "instances" });
    expect(connector.batch_size).toBe(100);
  });

  it("gives the generic HTTP connector, batch size 1", () => {
    const { connector } = built({
      name: "http-svc",
      protocol: "http",
      baseUrl: "http://127.0.0.1:8000",
      method: "put",
      path: "/predict",
      headers: "X-Client: data-lab\n\nAccept: application/json",
      bodyTemplate: '{"features": {{row}}, "length": {{bill_length_mm}}}',
      predictionPointer: "/result/label",
      batchSize: "50",
      useAuth: true,
      authHeader: "X-Api-Key",
      authPrefix: "",
      authEnv: "SVC_KEY",
    });
    expect(connector.protocol).toEqual({
      kind: "http",
      method: "PUT",
      path: "/predict",
      headers: [
        { name: "X-Client", value: "data-lab" },
        { name: "Accept", value: "application/json" },
      ],
      body_template: '{"features": {{row}}, "length": {{bill_length_mm}}}',
      prediction_pointer: "/result/label",
    });
    expect(connector.batch_size).toBe(1);
    expect(connector.auth).toEqual({ header: "X-Api-Key", prefix: "", secret: { from: "env", var: "SVC_KEY" } });
  });

  it("says clearly what an empty or pasted-key environment variable is", () => {
    const empty = errorsOf({ name: "v", baseUrl: "https://x.test", model: "m", useAuth: true, authEnv: "" });
    expect(empty.authEnv).toMatch(/name the environment variable/);
    expect(empty.authEnv).toMatch(/OPENAI_API_KEY/);
    const pasted = checkEnvVar("sk-proj-abc123");
    expect(pasted).toMatch(/never the key itself/);
    // The message never repeats what was typed: it may be the key.
    expect(pasted).not.toContain("sk-proj");
    expect(checkEnvVar("OPENAI_API_KEY")).toBeNull();
  });

  it("names each wrong field", () => {
    const errors = errorsOf({ name: "", baseUrl: "ftp://x", model: " ", timeoutMs: "0", concurrency: "2000", maxRetries: "-1", pricePerCall: "free" });
    // Chat starts with authentication on, and no variable named yet.
    expect(Object.keys(errors).sort()).toEqual(["authEnv", "baseUrl", "concurrency", "maxRetries", "model", "name", "pricePerCall", "timeoutMs"]);
    expect(errors.baseUrl).toBe("use http or https, not ftp");
    expect(errors.concurrency).toBe("Concurrency: must be between 1 and 1024");
    expect(errors.pricePerCall).toBe("Price per call: 'free' is not a number");
    expect(errorsOf({ name: "a b", baseUrl: "http://user:pw@h", model: "m", useAuth: false })).toEqual({
      name: "'a b' cannot name a vendor: use up to 64 letters, digits, '-', '_' or '.'",
      baseUrl: "credentials in the URL would be stored with it: name an environment variable under Authentication instead",
    });
  });

  it("checks templates as the API does", () => {
    expect(templatePlaceholders("a {{ x }} b {{row}}")).toEqual({ ok: true, value: ["x", "row"] });
    expect(templatePlaceholders("a {{b")).toEqual({ ok: false, error: "'{{' at character 3 is never closed with '}}'" });
    expect(errorsOf({ name: "v", baseUrl: "http://h", model: "m", useAuth: false, promptTemplate: "{{ }}" }).promptTemplate).toBe("'{{ }}' names no column");
    const http = { name: "v", protocol: "http" as const, baseUrl: "http://h" };
    expect(errorsOf({ ...http, bodyTemplate: '{"text": "{{text}}"}' }).bodyTemplate).toMatch(/without quotes/);
    expect(errorsOf({ ...http, bodyTemplate: '{"text": {{text}}' }).bodyTemplate).toMatch(/not JSON once the placeholders are filled/);
    expect(errorsOf({ ...http, predictionPointer: "result" }).predictionPointer).toMatch(/starts with '\/'/);
    expect(built({ ...http, bodyTemplate: '{"id": "row-{{id}}", "x": {{x}}}' }).connector.protocol).toMatchObject({ body_template: '{"id": "row-{{id}}", "x": {{x}}}' });
  });

  it("keeps secrets out of the stored headers", () => {
    expect(parseHeaders("Authorization: Bearer abc")).toMatchObject({ ok: false });
    expect(parseHeaders("X-API-Key: abc").ok).toBe(false);
    expect(parseHeaders("no colon")).toEqual({ ok: false, error: "line 1: write 'Name: value'" });
    expect(parseHeaders("A: b:c")).toEqual({ ok: true, value: [{ name: "A", value: "b:c" }] });
  });

  it("finds the field an API error is about", () => {
    expect(fieldOfApiError("invalid_request", "base_url")).toBe("baseUrl");
    expect(fieldOfApiError("invalid_request", "auth.secret.var")).toBe("authEnv");
    expect(fieldOfApiError("invalid_request", "protocol.prompt_template")).toBe("promptTemplate");
    expect(fieldOfApiError("invalid_request", "name")).toBe("name");
    expect(fieldOfApiError("name_taken", null)).toBe("name");
    // A failure about no field is not a field's problem.
    expect(fieldOfApiError("locked", null)).toBeUndefined();
  });
});

describe("agreements", () => {
  it("turns the form into what set_agreements takes, the rate as a share", () => {
    expect(buildAgreements({ metric: "", minMetric: "0.9", maxP95Ms: "250", maxCostPer1000: "", maxErrorRatePercent: "2.5" })).toEqual({
      ok: true,
      agreements: { metric: null, min_metric: 0.9, max_p95_ms: 250, max_cost_per_1000: null, max_error_rate: 0.025 },
    });
    expect(buildAgreements({ metric: "", minMetric: "", maxP95Ms: "-1", maxCostPer1000: "", maxErrorRatePercent: "150" })).toEqual({
      ok: false,
      errors: { maxP95Ms: "Max p95 latency: must be 0 or more", maxErrorRatePercent: "Max error rate: a percentage, from 0 to 100" },
    });
  });
  it("shows saved agreements back in percent", () => {
    expect(agreementsForm({ metric: "f1_macro", min_metric: 0.8, max_p95_ms: null, max_cost_per_1000: 1.5, max_error_rate: 0.07 })).toEqual({
      metric: "f1_macro",
      minMetric: "0.8",
      maxP95Ms: "",
      maxCostPer1000: "1.5",
      maxErrorRatePercent: "7",
    });
  });
});

describe("formatting", () => {
  it("reads costs, latencies, rates and throughput", () => {
    expect(formatCost(null)).toBe("–");
    expect(formatCost(0)).toBe("$0");
    expect(formatCost(0.000123456)).toBe("$0.000123");
    expect(formatCost(1234.5)).toBe("$1,234.50");
    expect(formatLatency(0.0421)).toBe("0.042 ms");
    expect(formatLatency(4.26)).toBe("4.3 ms");
    expect(formatLatency(123.4)).toBe("123 ms");
    expect(formatLatency(1500)).toBe("1.50 s");
    expect(formatRate(0.025)).toBe("2.5 %");
    expect(formatThroughput(1234.4)).toBe("1,234/s");
    expect(formatThroughput(12.34)).toBe("12.3/s");
    expect(formatThroughput(null)).toBe("–");
  });
  it("tells a wrong label from a regression's number", () => {
    expect(isWrongLabel("Adelie", "Gentoo")).toBe(true);
    expect(isWrongLabel("Adelie", "Adelie")).toBe(false);
    expect(isWrongLabel("3.5", "3.47")).toBe(false);
    expect(isWrongLabel("Adelie", null)).toBe(false);
  });
  it("describes a live evaluation", () => {
    expect(progressOf({ evaluation: 1, experiment: 3, vendor: "v", done: 50, total: 200, failed: 2, cached: 10, spent: 0.0125 })).toEqual({
      share: 0.25,
      text: "50 of 200 rows · 2 failed · 10 cached · $0.0125 spent",
    });
    expect(progressOf({ evaluation: 1, experiment: 3, vendor: "v", done: 0, total: 0, failed: 0, cached: 0, spent: 0 }).share).toBe(0);
  });
  it("says how an evaluation ended without repeating its status", () => {
    expect(outcomeSentence({ status: "cancelled", message: "cancelled" })).toBe(
      "Cancelled: the rows not sent are recorded as not sent; the answered ones are scored.",
    );
    expect(outcomeSentence({ status: "succeeded", message: null })).toBe("Finished: every test row was sent.");
    expect(outcomeSentence({ status: "capped", message: "stopped at the spend cap of 0.1" })).toBe("stopped at the spend cap of 0.1");
  });
});

describe("watching an evaluation's progress", () => {
  const event = (patch: Partial<EvaluationProgress>): EvaluationProgress => ({
    evaluation: 7,
    experiment: 2,
    vendor: "served-penguins-1",
    done: 0,
    total: 69,
    failed: 0,
    cached: 0,
    spent: 0,
    ...patch,
  });
  it("learns the id from the first event of the launched vendor and experiment", () => {
    const watch = { vendor: "served-penguins-1", experiment: 2, id: null };
    expect(watchedProgress(watch, event({}))).toBe(7);
    expect(watchedProgress(watch, event({ experiment: 3 }))).toBeNull();
    expect(watchedProgress(watch, event({ vendor: "openai" }))).toBeNull();
    // An evaluation of the same vendor already under way (another window) is not this one.
    expect(watchedProgress(watch, event({ evaluation: 5, done: 32 }))).toBeNull();
  });
  it("then follows the id alone", () => {
    const watch = { vendor: "served-penguins-1", experiment: 2, id: 7 };
    expect(watchedProgress(watch, event({ done: 32 }))).toBe(7);
    expect(watchedProgress(watch, event({ evaluation: 8 }))).toBeNull();
    expect(watchedProgress(watch, event({ evaluation: 8, done: 10 }))).toBeNull();
  });
  it("ignores everything when nothing is launched", () => {
    expect(watchedProgress(null, event({}))).toBeNull();
  });
});

function latency(p95: number): LatencySummary {
  return { p50: p95 / 2, p95, p99: p95 * 1.5, mean: p95 / 2, calls: 100 };
}

function candidate(patch: Partial<Candidate> & Pick<Candidate, "name">): Candidate {
  return {
    kind: "local",
    run: 1,
    evaluation: null,
    metrics: {},
    score: null,
    latency: null,
    throughput_per_s: null,
    cost_per_1000: 0,
    error_rate: 0,
    train_ms: null,
    inference_ms_per_1000: null,
    meets: null,
    misses: [],
    caution: null,
    best: false,
    ...patch,
  };
}

describe("candidates", () => {
  const tree = candidate({ name: "tree", run: 1, score: 0.93, latency: latency(0), meets: true, metrics: { accuracy: { mean: 0.93, std: 0 }, f1_macro: { mean: 0.9, std: 0 } } });
  const forest = candidate({ name: "forest", run: 2, score: 0.97, latency: latency(2), meets: true, best: true, metrics: { accuracy: { mean: 0.97, std: 0 }, log_loss: { mean: 0.1, std: 0 } } });
  const gpt = candidate({
    name: "gpt",
    kind: "vendor",
    run: null,
    evaluation: 7,
    score: 0.99,
    latency: latency(800),
    cost_per_1000: 0.4,
    meets: false,
    misses: ["p95 800.0 ms > 500 ms"],
    metrics: { accuracy: { mean: 0.99, std: 0 } },
  });
  const cheap = candidate({ name: "cheap", kind: "vendor", run: null, evaluation: 8, score: 0.5, latency: latency(100), cost_per_1000: 0.1, meets: false });
  const broken = candidate({ name: "broken", kind: "vendor", run: null, evaluation: 9, score: null, latency: null, cost_per_1000: null, meets: false, error_rate: 1 });

  it("puts the best first, then those meeting the agreements, then by score", () => {
    expect(sortCandidates([broken, cheap, tree, gpt, forest], true).map((c) => c.name)).toEqual(["forest", "tree", "gpt", "cheap", "broken"]);
    // Lower is better (log loss, say): the smaller score comes first.
    const a = candidate({ name: "a", score: 0.3 });
    const b = candidate({ name: "b", score: 0.1 });
    expect(sortCandidates([a, b], false).map((c) => c.name)).toEqual(["b", "a"]);
    expect(sortCandidates([a, b], true).map((c) => c.name)).toEqual(["a", "b"]);
  });

  it("picks the key metrics beside the score", () => {
    expect(keyMetrics([tree, forest, gpt], "accuracy")).toEqual(["f1_macro", "log_loss"]);
    expect(keyMetrics([tree, forest, gpt], "f1_macro", 1)).toEqual(["accuracy"]);
  });

  it("plots score against p95 latency, local and vendor apart, sized by cost", () => {
    const comparison: CandidateComparison = {
      experiment: 1,
      metric: "accuracy",
      higher_is_better: true,
      agreements: { metric: null, min_metric: null, max_p95_ms: 500, max_cost_per_1000: null, max_error_rate: null },
      agreements_source: "project",
      candidates: [tree, forest, gpt, cheap, broken],
    };
    const points = scoreLatencyPoints(comparison);
    expect(points.local.map((p) => [p.name, p.x, p.y, p.size])).toEqual([
      ["tree", 0.001, 0.93, 8],
      ["forest", 2, 0.97, 8],
    ]);
    expect(points.vendor.map((p) => [p.name, p.x, p.size])).toEqual([
      ["gpt", 800, 30],
      ["cheap", 100, 19],
    ]);
    expect(points.best?.name).toBe("forest");
    expect(points.omitted).toEqual(["broken"]);
    expect(sizeForCost(null, 1)).toBe(8);
    expect(sizeForCost(1, 0)).toBe(8);
  });
});

describe("a candidate with a caution", () => {
  it("is never the best on any metric", () => {
    const fair = candidate({ name: "fair", run: 1, metrics: { accuracy: { mean: 0.9, std: 0 } } });
    const leaky = candidate({ name: "leaky", run: null, kind: "vendor", evaluation: 3, caution: "learned from these rows", metrics: { accuracy: { mean: 0.99, std: 0 } } });
    expect(bestOnMetric([fair, leaky], "accuracy", leaky)).toBe(false);
    expect(bestOnMetric([fair, leaky], "accuracy", fair)).toBe(true);
  });
});

describe("the Vendors page's tabs", () => {
  it("opens Evaluate for a link that brings an experiment or a vendor, not from the top bar", () => {
    expect(opensEvaluate(null, null)).toBe(false);
    expect(opensEvaluate(undefined, undefined)).toBe(false);
    expect(opensEvaluate(3, null)).toBe(true);
    expect(opensEvaluate(null, "served-penguins-1")).toBe(true);
    expect(opensEvaluate(3, "served-penguins-1")).toBe(true);
  });
  it("shows Compare after an evaluation that made a candidate", () => {
    expect(tabAfterEvaluation({ status: "succeeded" })).toBe("compare");
    expect(tabAfterEvaluation({ status: "capped" })).toBe("compare");
    expect(tabAfterEvaluation({ status: "failed" })).toBeNull();
    expect(tabAfterEvaluation({ status: "cancelled" })).toBeNull();
    expect(tabAfterEvaluation(null)).toBeNull();
  });
});
