// Vendors: prediction services (OpenAI-compatible chat, Open Inference
// Protocol v2, MLflow scoring, any HTTP JSON) measured like local models.
// This page owns what its parts share — the vendors, experiments and
// evaluations lists, and the experiment each part works on — and lays out
// the parts in pages/vendors/ as three steps, one tab each: Connect & test
// (the connectors and their test, the "Add vendor" form), Evaluate (the
// launcher with past evaluations) and Compare (against the project's
// agreements). The tab is kept across page switches; a link from another
// page opens Evaluate, a finished evaluation opens Compare. Every tab stays
// mounted (hidden when not chosen): a running evaluation and an edited form
// survive a look at another tab.

import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import type { EvaluationInfo, ExperimentInfo, VendorInfo } from "../api/types";
import { call } from "../api/client";
import { AddVendorForm } from "./vendors/AddVendorForm";
import { ComparePanel } from "./vendors/Candidates";
import { EvaluationPanel } from "./vendors/Evaluations";
import { VendorList } from "./vendors/VendorList";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { usePersistent } from "../lib/persist";
import { opensEvaluate, tabAfterEvaluation, VENDOR_TABS, type VendorTab } from "../lib/vendors";

/** Where the chosen tab is kept. */
const TAB_KEY = "vendors.tab";

export function VendorsPage(props: { experiment?: number | null; vendor?: string | null }) {
  const [vendors, setVendors] = useState<VendorInfo[]>([]);
  const [experiments, setExperiments] = useState<ExperimentInfo[]>([]);
  const [evaluations, setEvaluations] = useState<EvaluationInfo[]>([]);
  const [failure, setFailure] = useState<Failure | null>(null);
  // Each part has its own experiment; coming from the Experiments page sets all three.
  const [testExperiment, setTestExperiment] = useState<number | null>(props.experiment ?? null);
  const [evaluateExperiment, setEvaluateExperiment] = useState<number | null>(props.experiment ?? null);
  const [compareExperiment, setCompareExperiment] = useState<number | null>(props.experiment ?? null);
  const [finished, setFinished] = useState(0);
  const [tab, setTab] = usePersistent<VendorTab>(TAB_KEY, "connect");

  // A link from another page ("Evaluate it on the Vendors page →") lands on Evaluate,
  // before the first frame; the top bar (which brings no experiment or vendor) keeps
  // the tab chosen last.
  useLayoutEffect(() => {
    if (opensEvaluate(props.experiment, props.vendor)) setTab("evaluate");
  }, [props.experiment, props.vendor]);

  const loadVendors = () =>
    call("list_vendors", {})
      .then(setVendors)
      .catch((e: unknown) => setFailure(failureOf(e)));
  const loadEvaluations = () =>
    call("list_evaluations", { experiment: null })
      .then(setEvaluations)
      .catch((e: unknown) => setFailure(failureOf(e)));

  useEffect(() => {
    void loadVendors();
    void loadEvaluations();
    call("list_experiments", {})
      .then((list) => {
        setExperiments(list);
        // Without a choice, work on the newest experiment.
        const newest = list.reduce<number | null>((n, x) => (n === null || x.id > n ? x.id : n), null);
        setTestExperiment((e) => e ?? newest);
        setEvaluateExperiment((e) => e ?? newest);
        setCompareExperiment((e) => e ?? newest);
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  }, []);

  useEffect(() => {
    if (props.experiment === undefined || props.experiment === null) return;
    setTestExperiment(props.experiment);
    setEvaluateExperiment(props.experiment);
    setCompareExperiment(props.experiment);
  }, [props.experiment]);

  const evaluationFinished = (info: EvaluationInfo | null) => {
    void loadEvaluations();
    if (info) setCompareExperiment(info.experiment_id);
    setFinished((n) => n + 1);
    const next = tabAfterEvaluation(info);
    if (next !== null) setTab(next);
  };

  return (
    <div class="stack" data-testid="vendors-page">
      <ApiErrorView failure={failure} testId="vendors-error" />
      <div class="tabs vendors-tabs" role="tablist">
        {VENDOR_TABS.map((t) => (
          <button class={tab === t.id ? "tab active" : "tab"} role="tab" aria-selected={tab === t.id} {...tid(`vendors-tab-${t.id}`)} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div class="split vendors-step" data-testid="connect-section" hidden={tab !== "connect"}>
        <section class="content">
          <VendorList vendors={vendors} experiments={experiments} experiment={testExperiment} onExperiment={setTestExperiment} onRemoved={() => void loadVendors()} />
        </section>
        <aside class="sidebar wide">
          <AddVendorForm onAdded={() => void loadVendors()} />
        </aside>
      </div>
      <section class="content vendors-step" data-testid="evaluate-section" hidden={tab !== "evaluate"}>
        <EvaluationPanel
          vendors={vendors}
          preferredVendor={props.vendor ?? null}
          experiments={experiments}
          evaluations={evaluations}
          experiment={evaluateExperiment}
          onExperiment={setEvaluateExperiment}
          onFinished={evaluationFinished}
        />
      </section>
      <section class="content vendors-step" data-testid="compare-section" hidden={tab !== "compare"}>
        <ComparePanel experiments={experiments} experiment={compareExperiment} onExperiment={setCompareExperiment} refresh={finished} />
      </section>
    </div>
  );
}
