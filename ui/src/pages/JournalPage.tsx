// The lab journal: notes on the project, and the project's history newest
// first — imports, experiments, notes, registrations, publications and
// vendor evaluations — a page at a time.

import { useEffect, useState } from "preact/hooks";
import { call } from "../api/client";
import type { JournalEntry } from "../api/types";
import { ApiErrorView, failureOf, tid, type Failure } from "../components/ApiError";
import { Notes } from "../components/Notes";
import { journalSubject } from "../lib/journal";

const PAGE = 100;

export function JournalPage() {
  const [entries, setEntries] = useState<JournalEntry[]>([]);
  const [more, setMore] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const load = (before: string | null) =>
    call("journal", { before, limit: PAGE })
      .then((page) => {
        setEntries((earlier) => (before === null ? page : [...earlier, ...page]));
        setMore(page.length === PAGE);
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  useEffect(() => void load(null), []);
  return (
    <div class="layout">
      <section class="content">
        <h2>Journal</h2>
        <ApiErrorView failure={failure} testId="journal-error" />
        <ul class="list journal" {...tid("journal")}>
          {entries.map((entry) => (
            <li data-kind={entry.kind}>
              <span class="muted small">{entry.at.slice(0, 16).replace("T", " ")}</span> <span class={`chip kind-${entry.kind}`}>{entry.kind}</span>{" "}
              {entry.body !== null ? (
                <>
                  <span class="muted small">{journalSubject(entry.subject)}:</span> {entry.body.split("\n")[0]}
                </>
              ) : (
                entry.title
              )}
            </li>
          ))}
          {entries.length === 0 && <li class="muted">Nothing yet: import a dataset to begin.</li>}
        </ul>
        {more && (
          <button {...tid("journal-older")} onClick={() => void load(entries[entries.length - 1]?.at ?? null)}>
            Older
          </button>
        )}
      </section>
      <aside class="sidebar wide">
        <h2>Notes on the project</h2>
        <Notes subject={{ kind: "project" }} testId="project-notes" />
      </aside>
    </div>
  );
}
