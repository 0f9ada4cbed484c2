// How the journal names what a note or an entry is about.

import type { NoteSubject } from "../api/types";

/** “the project”, “experiment 3”, “run 12”, “model version 4”. */
export function journalSubject(subject: NoteSubject | null): string {
  if (subject === null) return "";
  switch (subject.kind) {
    case "project":
      return "the project";
    case "experiment":
      return `experiment ${subject.id}`;
    case "run":
      return `run ${subject.id}`;
    case "model_version":
      return `model version ${subject.id}`;
  }
}
