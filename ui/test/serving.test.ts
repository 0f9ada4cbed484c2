import { describe, expect, it } from "vitest";
import type { ServedInfo, VendorInfo } from "../src/api/types";
import {
  curlCommand,
  defaultServedVendorName,
  findServed,
  parsePort,
  prettyJson,
  proposedVendorName,
  readOipAnswer,
  servedEndpoints,
  shellQuote,
  vendorForServed,
  versionRef,
  withServed,
  withoutServed,
} from "../src/lib/serving";

const sampleOip = {
  inputs: [
    { data: [39.1], datatype: "FP64", name: "bill_length_mm", shape: [1, 1] },
    { data: ["Torgersen"], datatype: "BYTES", name: "island", shape: [1, 1] },
  ],
};

function served(patch: Partial<ServedInfo> = {}): ServedInfo {
  const url = patch.url ?? "http://127.0.0.1:40123";
  const model = patch.model ?? "penguins-classifier";
  return {
    model,
    version: 1,
    url,
    infer_url: `${url}/v2/models/${model}/infer`,
    invocations_url: `${url}/invocations`,
    metrics_url: `${url}/metrics`,
    sample_oip: sampleOip,
    sample_mlflow: { dataframe_split: { columns: ["bill_length_mm", "island"], data: [[39.1, "Torgersen"]] } },
    // As the API writes it (serving.rs).
    curl: `curl -s -H 'Content-Type: application/json' -d '${JSON.stringify(sampleOip)}' ${url}/v2/models/${model}/infer`,
    port_note: null,
    ...patch,
  };
}

function vendor(name: string, baseUrl: string, modelName = "penguins-classifier"): VendorInfo {
  return {
    id: 1,
    name,
    protocol: "oip_v2",
    connector: {
      protocol: { kind: "oip_v2", model_name: modelName, output: null },
      base_url: baseUrl,
      auth: null,
      timeout_ms: 10_000,
      max_retries: 3,
      requests_per_second: null,
      concurrency: 4,
      batch_size: 32,
      pricing: { per_call: 0, per_1k_input_tokens: 0, per_1k_output_tokens: 0 },
    },
    secret_env: null,
    secret_available: false,
    created_at: "2025-01-01T00:00:00Z",
  };
}

describe("served versions", () => {
  it("finds, adds and removes a version's entry", () => {
    const a = served();
    const b = served({ model: "other", version: 3, url: "http://127.0.0.1:40124" });
    expect(versionRef("penguins-classifier", 2)).toBe("penguins-classifier:2");
    expect(findServed([a, b], "other", 3)).toBe(b);
    expect(findServed([a, b], "other", 2)).toBeUndefined();
    const moved = served({ url: "http://127.0.0.1:50000" });
    expect(withServed([a, b], moved)).toEqual([b, moved]);
    expect(withoutServed([a, b], a)).toEqual([b]);
  });
  it("lists the endpoints, base URL first", () => {
    const e = servedEndpoints(served());
    expect(e.map((x) => [x.id, x.url])).toEqual([
      ["served-url", "http://127.0.0.1:40123"],
      ["served-infer-url", "http://127.0.0.1:40123/v2/models/penguins-classifier/infer"],
      ["served-invocations-url", "http://127.0.0.1:40123/invocations"],
      ["served-metrics-url", "http://127.0.0.1:40123/metrics"],
    ]);
  });
});

describe("samples and curl", () => {
  it("pretty-prints a request", () => {
    expect(prettyJson({ dataframe_split: { columns: ["a"], data: [[1]] } })).toBe(
      '{\n  "dataframe_split": {\n    "columns": [\n      "a"\n    ],\n    "data": [\n      [\n        1\n      ]\n    ]\n  }\n}',
    );
  });
  it("writes curl as the API writes its OIP command", () => {
    const info = served();
    expect(curlCommand(info.infer_url, info.sample_oip)).toBe(info.curl);
    expect(curlCommand(info.invocations_url, info.sample_mlflow)).toBe(
      `curl -s -H 'Content-Type: application/json' -d '{"dataframe_split":{"columns":["bill_length_mm","island"],"data":[[39.1,"Torgersen"]]}}' http://127.0.0.1:40123/invocations`,
    );
  });
  it("quotes a single quote for the shell", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(curlCommand("http://h/x", { name: "O'Brien" })).toBe(`curl -s -H 'Content-Type: application/json' -d '{"name":"O'\\''Brien"}' http://h/x`);
  });
});

describe("adding a served version as a vendor", () => {
  const info = served();
  it("proposes the API's default name", () => {
    expect(defaultServedVendorName("penguins-classifier", 1)).toBe("served-penguins-classifier-1");
    expect(proposedVendorName(info, [])).toBe("served-penguins-classifier-1");
  });
  it("proposes another name when the default is taken by a vendor calling elsewhere", () => {
    const old = vendor("served-penguins-classifier-1", "http://127.0.0.1:39999");
    expect(proposedVendorName(info, [old])).toBe("served-penguins-classifier-1-2");
    expect(proposedVendorName(info, [old, vendor("served-penguins-classifier-1-2", "http://x")])).toBe("served-penguins-classifier-1-3");
  });
  it("knows a vendor already calling this service", () => {
    expect(vendorForServed(info, [vendor("mine", "http://127.0.0.1:40123/")])?.name).toBe("mine");
    expect(vendorForServed(info, [vendor("old", "http://127.0.0.1:39999")])).toBeUndefined();
    expect(vendorForServed(info, [vendor("other-model", "http://127.0.0.1:40123", "other")])).toBeUndefined();
  });
});

describe("the port field", () => {
  it("takes empty or 0 as any free port, else 1 to 65535", () => {
    expect(parsePort("")).toEqual({ ok: true, value: null });
    expect(parsePort(" 0 ")).toEqual({ ok: true, value: null });
    expect(parsePort("8080")).toEqual({ ok: true, value: 8080 });
    expect(parsePort("70000")).toEqual({ ok: false, error: "Port: from 1 to 65535, or empty for any free port" });
    expect(parsePort("80a")).toEqual({ ok: false, error: "Port: '80a' is not a whole number" });
  });
});

describe("readOipAnswer", () => {
  it("labels each row's probabilities with the model's classes", () => {
    const body = {
      model_name: "penguins",
      outputs: [
        { name: "predict", shape: [2], datatype: "BYTES", data: ["Adelie", "Gentoo"] },
        { name: "probabilities", shape: [2, 3], datatype: "FP64", data: [0.9, 0.08, 0.02, 0.1, 0.1, 0.8] },
      ],
    };
    const read = readOipAnswer(200, body, ["Adelie", "Chinstrap", "Gentoo"]);
    expect(read).toEqual({
      ok: true,
      rows: [
        { prediction: "Adelie", probabilities: [{ label: "Adelie", p: 0.9 }, { label: "Chinstrap", p: 0.08 }, { label: "Gentoo", p: 0.02 }] },
        { prediction: "Gentoo", probabilities: [{ label: "Adelie", p: 0.1 }, { label: "Chinstrap", p: 0.1 }, { label: "Gentoo", p: 0.8 }] },
      ],
    });
  });

  it("reads a regressor's answer, which has no probabilities", () => {
    const read = readOipAnswer(200, { outputs: [{ name: "predict", shape: [1], datatype: "FP64", data: [3.25] }] }, []);
    expect(read).toEqual({ ok: true, rows: [{ prediction: 3.25, probabilities: [] }] });
  });

  it("gives the server's message for a refused request", () => {
    expect(readOipAnswer(400, { error: "input 'sex' is missing" }, [])).toEqual({ ok: false, error: "HTTP 400: input 'sex' is missing" });
    expect(readOipAnswer(200, { nothing: 1 }, []).ok).toBe(false);
  });
});
