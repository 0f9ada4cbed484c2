// The lab journal's notes on one subject (the project, an experiment, a run
// or a model version): each drawn from its Markdown with the links it makes
// (a link to a record that is not there is marked broken), editable, and a
// box to write another.

import { useEffect, useState } from "preact/hooks";
import { call } from "../api/client";
import type { NoteInfo, NoteSubject } from "../api/types";
import { ApiErrorView, failureOf, type Failure } from "./ApiError";
import { Markdown } from "./Markdown";

export function Notes(props: { subject: NoteSubject; testId: string }) {
  const [notes, setNotes] = useState<NoteInfo[]>([]);
  const [draft, setDraft] = useState("");
  const [editing, setEditing] = useState<{ id: number; body: string } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const key = JSON.stringify(props.subject);
  const load = () =>
    call("list_notes", { subject: props.subject })
      .then(setNotes)
      .catch((e: unknown) => setFailure(failureOf(e)));
  useEffect(() => {
    setNotes([]);
    setEditing(null);
    void load();
  }, [key]);
  const act = (work: Promise<unknown>, after: () => void) =>
    work
      .then(() => {
        setFailure(null);
        after();
        return load();
      })
      .catch((e: unknown) => setFailure(failureOf(e)));
  return (
    <div class="notes" data-testid={props.testId}>
      {notes.map((note) => (
        <div class="note" data-testid="note" data-note={note.id}>
          <div class="muted small">
            {note.created_at.slice(0, 16).replace("T", " ")} UTC
            {note.updated_at !== note.created_at ? ` · edited ${note.updated_at.slice(0, 16).replace("T", " ")}` : ""}
            {" · "}
            <button class="link small" data-testid="note-edit" onClick={() => setEditing({ id: note.id, body: note.body })}>
              Edit
            </button>{" "}
            <button class="link small" data-testid="note-delete" onClick={() => void act(call("delete_note", { note: note.id }), () => undefined)}>
              Delete
            </button>
          </div>
          {editing?.id === note.id ? (
            <div class="row">
              <textarea data-testid="note-edit-text" rows={3} value={editing.body} onInput={(e) => setEditing({ id: note.id, body: e.currentTarget.value })} />
              <button data-testid="note-save" onClick={() => void act(call("edit_note", { note: note.id, body: editing.body }), () => setEditing(null))}>
                Save
              </button>
            </div>
          ) : (
            <Markdown text={note.body} />
          )}
          {note.links.length > 0 && (
            <div class="small" data-testid="note-links">
              Links:{" "}
              {note.links.map((link) => (
                <span class={link.target ? "chip" : "chip broken"} title={link.target ? "" : "no such record in this project"}>
                  {link.text}
                  {link.target ? "" : " (broken)"}
                </span>
              ))}
            </div>
          )}
        </div>
      ))}
      <div class="row">
        <textarea
          data-testid={`${props.testId}-text`}
          rows={2}
          placeholder="Write a note (Markdown; “run 12”, “experiment 3” and “iris:3” link to those)"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button data-testid={`${props.testId}-add`} disabled={draft.trim() === ""} onClick={() => void act(call("add_note", { subject: props.subject, body: draft }), () => setDraft(""))}>
          Add note
        </button>
      </div>
      <ApiErrorView failure={failure} testId={`${props.testId}-error`} />
    </div>
  );
}
