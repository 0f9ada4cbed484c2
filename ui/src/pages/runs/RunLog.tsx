// A command trial's output (its log.txt), followed while the run runs.

import { useEffect, useRef, useState } from "preact/hooks";
import type { RunInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";

const POLL_MS = 700;
/** The most of a log kept on screen: the end matters most. */
const MAX_SHOWN = 200_000;

export function RunLog(props: { run: RunInfo }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<Failure | null>(null);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let stopped = false;
    let offset = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText("");
    const next = () =>
      call("run_log", { run: props.run.id, offset })
        .then((log) => {
          if (stopped) return;
          offset = log.next;
          if (log.text) setText((t) => (t + log.text).slice(-MAX_SHOWN));
          if (log.next < log.size) void next();
          else if (log.running) timer = setTimeout(next, POLL_MS);
        })
        .catch((e: unknown) => !stopped && setError(failureOf(e)));
    void next();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [props.run.id]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text]);
  return (
    <section class="panel">
      <h3>Output of run {props.run.id}</h3>
      <ApiErrorView failure={error} testId="run-log-error" />
      <pre class="run-log" ref={box} {...tid("run-log")}>
        {text || "(nothing printed yet)"}
      </pre>
    </section>
  );
}
