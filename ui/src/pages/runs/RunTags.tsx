// A run's tags: shown as chips, removed with ×, added as `key=value` (or a
// bare key). The runs filter finds them with `tag:key` or `tag:key=value`.

import { useEffect, useState } from "preact/hooks";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, plainFailure, type Failure } from "../../components/ApiError";
import { parseTag } from "../../lib/runs";

export function RunTags(props: { run: number; tags: [string, string][] }) {
  const [tags, setTags] = useState(props.tags);
  const [typed, setTyped] = useState("");
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => setTags(props.tags), [props.run, props.tags]);
  const change = (key: string, value: string | null) =>
    call("tag_runs", { runs: [props.run], key, value })
      .then(() => {
        setFailure(null);
        setTags((current) => {
          const rest = current.filter(([k]) => k !== key);
          return value === null ? rest : [...rest, [key, value] as [string, string]].sort(([a], [b]) => a.localeCompare(b));
        });
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  const add = () => {
    const tag = parseTag(typed);
    if (tag === null) return setFailure(plainFailure("Write a tag as key=value (or a key alone).", "key"));
    void change(tag.key, tag.value).then(() => setTyped(""));
  };
  return (
    <div data-testid="run-tags">
      <div class="chips">
        {tags.map(([key, value]) => (
          <span class="chip" data-testid={`run-tag-${key}`}>
            {value === "" ? key : `${key}=${value}`}
            <button class="link small" title="Remove the tag" onClick={() => void change(key, null)}>
              ×
            </button>
          </span>
        ))}
        {tags.length === 0 && <span class="muted small">No tags.</span>}
      </div>
      <div class="row">
        <input data-testid="run-tag-text" placeholder="key=value" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && add()} />
        <button data-testid="run-tag-add" disabled={typed.trim() === ""} onClick={add}>
          Tag
        </button>
      </div>
      <ApiErrorView failure={failure} testId="run-tags-error" />
    </div>
  );
}
