//! The lab journal's records: notes in Markdown on the project, an
//! experiment, a run or a model version (timestamped, editable), and the
//! project's history in order — imports, experiments, notes, registrations,
//! publications, evaluations — read from the records themselves, so the
//! journal never disagrees with them.

use crate::error::ProjectError;
use crate::ids::{ExperimentId, ModelVersionId, RunId};
use crate::project::Project;
use rusqlite::Row;
use serde::{Deserialize, Serialize};

/// The longest note, in bytes: a page of writing, not a file.
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// What a note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum NoteSubject {
    Project,
    Experiment(ExperimentId),
    Run(RunId),
    ModelVersion(ModelVersionId),
}

impl NoteSubject {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            NoteSubject::Project => ("project", None),
            NoteSubject::Experiment(id) => ("experiment", Some(id.0)),
            NoteSubject::Run(id) => ("run", Some(id.0)),
            NoteSubject::ModelVersion(id) => ("model_version", Some(id.0)),
        }
    }

    fn from_parts(kind: &str, id: Option<i64>) -> NoteSubject {
        match (kind, id) {
            ("experiment", Some(id)) => NoteSubject::Experiment(ExperimentId(id)),
            ("run", Some(id)) => NoteSubject::Run(RunId(id)),
            ("model_version", Some(id)) => NoteSubject::ModelVersion(ModelVersionId(id)),
            _ => NoteSubject::Project,
        }
    }
}

/// A note as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub id: i64,
    pub subject: NoteSubject,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One moment of the project's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct JournalEntry {
    /// When (ISO 8601, UTC).
    pub at: String,
    /// `import`, `experiment`, `note`, `registration`, `publication` or `evaluation`.
    pub kind: String,
    /// What happened, in a line.
    pub title: String,
    /// The record it is about (a note's subject for a note), when it has one.
    pub subject: Option<NoteSubject>,
    /// A note's id and text.
    pub note: Option<i64>,
    pub body: Option<String>,
}

const NOTE_COLUMNS: &str = "id, subject_kind, subject_id, body, created_at, updated_at";

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<NoteRecord> {
    let kind: String = row.get(1)?;
    Ok(NoteRecord {
        id: row.get(0)?,
        subject: NoteSubject::from_parts(&kind, row.get(2)?),
        body: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

fn checked_body(body: &str) -> Result<&str, ProjectError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(ProjectError::Invalid("a note needs some text".into()));
    }
    if body.len() > MAX_NOTE_BYTES {
        return Err(ProjectError::Invalid(format!(
            "a note holds at most {} KiB of text (this one is {} KiB): link to a file instead",
            MAX_NOTE_BYTES / 1024,
            body.len() / 1024
        )));
    }
    Ok(body)
}

impl Project {
    /// Adds a note on `subject`, written now.
    pub fn add_note(&self, subject: NoteSubject, body: &str) -> Result<NoteRecord, ProjectError> {
        self.insert_note(subject, body, None)
    }

    /// Adds a note written elsewhere (a pulled bundle's), keeping its times.
    pub fn copy_note_in(
        &self,
        subject: NoteSubject,
        body: &str,
        created_at: &str,
        updated_at: &str,
    ) -> Result<NoteRecord, ProjectError> {
        self.insert_note(subject, body, Some((created_at, updated_at)))
    }

    /// A note on `subject`, at `times` (written, changed), or now.
    fn insert_note(
        &self,
        subject: NoteSubject,
        body: &str,
        times: Option<(&str, &str)>,
    ) -> Result<NoteRecord, ProjectError> {
        let body = checked_body(body)?;
        let (kind, id) = subject.parts();
        let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
        self.conn
            .execute(
                &format!(
                    "INSERT INTO notes (subject_kind, subject_id, body, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, COALESCE(?4, {now}), COALESCE(?5, {now}))"
                ),
                rusqlite::params![kind, id, body, times.map(|t| t.0), times.map(|t| t.1)],
            )
            .map_err(|e| self.db_error(e))?;
        self.note(self.conn.last_insert_rowid())
    }

    /// Replaces a note's text (its time of writing stays; `updated_at` moves).
    pub fn edit_note(&self, id: i64, body: &str) -> Result<NoteRecord, ProjectError> {
        let body = checked_body(body)?;
        let changed = self
            .conn
            .execute(
                "UPDATE notes SET body = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
                rusqlite::params![id, body],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "note",
                key: id.to_string(),
            });
        }
        self.note(id)
    }

    /// Removes a note.
    pub fn delete_note(&self, id: i64) -> Result<(), ProjectError> {
        let changed = self
            .conn
            .execute("DELETE FROM notes WHERE id = ?1", [id])
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "note",
                key: id.to_string(),
            });
        }
        Ok(())
    }

    pub fn note(&self, id: i64) -> Result<NoteRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {NOTE_COLUMNS} FROM notes WHERE id = ?1"),
            [id],
            note_from_row,
            "note",
            id,
        )
    }

    /// The notes on `subject`, oldest first.
    pub fn notes_on(&self, subject: NoteSubject) -> Result<Vec<NoteRecord>, ProjectError> {
        let (kind, id) = subject.parts();
        self.query_all(
            &format!(
                "SELECT {NOTE_COLUMNS} FROM notes WHERE subject_kind = ?1 AND subject_id IS ?2 ORDER BY created_at, id"
            ),
            rusqlite::params![kind, id],
            note_from_row,
        )
    }

    /// The project's history, newest first: `limit` entries from before `before` (ISO time).
    pub fn journal(
        &self,
        before: Option<&str>,
        limit: u64,
    ) -> Result<Vec<JournalEntry>, ProjectError> {
        // One UNION over the records: kind, time, title, subject kind and id, note id, body.
        // Experiment 0 is MLflow's "Default", made with the project, not by anyone.
        let sql = "SELECT * FROM (
            SELECT 'import' AS kind, created_at AS at, 'Imported dataset ' || name || ' (' || row_count || ' rows)' AS title,
                   NULL AS subject_kind, NULL AS subject_id, NULL AS note, NULL AS body FROM datasets
            UNION ALL
            SELECT 'experiment', created_at, 'Experiment ' || id || ' ''' || name || '''', 'experiment', id, NULL, NULL
                FROM experiments WHERE lifecycle_stage = 'active' AND id <> 0
            UNION ALL
            SELECT 'note', created_at, 'Note', subject_kind, subject_id, id, body FROM notes
            UNION ALL
            SELECT 'registration', v.created_at, 'Registered ' || m.name || ':' || v.version, 'model_version', v.id, NULL, NULL
                FROM model_versions v JOIN models m ON m.id = v.model_id
            UNION ALL
            SELECT 'publication', p.published_at, 'Published ' || m.name || ':' || v.version || ' to ' || p.location,
                   'model_version', v.id, NULL, NULL
                FROM publications p JOIN model_versions v ON v.id = p.version_id JOIN models m ON m.id = v.model_id
            UNION ALL
            SELECT 'evaluation', started_at, 'Evaluated vendor ' || vendor_name || ' on experiment ' || experiment_id || ' (' || status || ')',
                   'experiment', experiment_id, NULL, NULL FROM evaluations
        ) WHERE ?1 IS NULL OR at < ?1
        -- In the same millisecond, a note is taken as written after what it is about.
        ORDER BY at DESC, kind = 'note' DESC LIMIT ?2";
        self.query_all(sql, rusqlite::params![before, limit as i64], |row| {
            let subject_kind: Option<String> = row.get(3)?;
            Ok(JournalEntry {
                kind: row.get(0)?,
                at: row.get(1)?,
                title: row.get(2)?,
                subject: subject_kind
                    .map(|k| NoteSubject::from_parts(&k, row.get(4).ok().flatten())),
                note: row.get(5)?,
                body: row.get(6)?,
            })
        })
    }
}

/// A link a note's text makes: `run 12`, `experiment 4`, or a model version
/// as `iris:3` (a name starting with a letter, a colon, a number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NoteLink {
    /// The words as written.
    pub text: String,
    /// Where they lead, when that record exists.
    pub target: Option<NoteSubject>,
}

/// What a link's words name, before looking it up.
#[derive(Debug, Clone, PartialEq)]
enum Named {
    Run(i64),
    Experiment(i64),
    Version(String, u32),
}

/// The links in `body`, in order, as written (not yet looked up).
fn named_links(body: &str) -> Vec<(String, Named)> {
    let words: Vec<&str> = body.split_whitespace().collect();
    let trim = |w: &str| {
        w.trim_matches(|c: char| {
            !c.is_ascii_alphanumeric() && c != '_' && c != '-' && c != '.' && c != ':'
        })
        .trim_end_matches(['.', ':'])
        .to_string()
    };
    let mut links = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = trim(words[i]);
        let next = words.get(i + 1).map(|w| trim(w)).unwrap_or_default();
        let number = next.parse::<i64>().ok().filter(|n| *n > 0);
        match (word.to_ascii_lowercase().as_str(), number) {
            ("run", Some(n)) => {
                links.push((format!("{word} {n}"), Named::Run(n)));
                i += 2;
                continue;
            }
            ("experiment", Some(n)) => {
                links.push((format!("{word} {n}"), Named::Experiment(n)));
                i += 2;
                continue;
            }
            _ => {}
        }
        if let Some((name, version)) = word.rsplit_once(':')
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && crate::names::check_name("model", name).is_ok()
            && let Ok(version) = version.parse::<u32>()
        {
            links.push((word.clone(), Named::Version(name.to_string(), version)));
        }
        i += 1;
    }
    links
}

impl Project {
    /// The links `body` makes, each looked up: a link to nothing has no target.
    pub fn note_links(&self, body: &str) -> Result<Vec<NoteLink>, ProjectError> {
        let mut links = Vec::new();
        for (text, named) in named_links(body) {
            let target = match named {
                Named::Run(n) => self.run(RunId(n)).ok().map(|r| NoteSubject::Run(r.id)),
                Named::Experiment(n) => self
                    .experiment(ExperimentId(n))
                    .ok()
                    .map(|e| NoteSubject::Experiment(e.id)),
                Named::Version(name, version) => self
                    .model_version(&name, Some(version), None)
                    .ok()
                    .map(|v| NoteSubject::ModelVersion(v.id)),
            };
            links.push(NoteLink { text, target });
        }
        Ok(links)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_read_as_a_person_writes_them() {
        let named =
            named_links("Run 12 beat run 7, see experiment 3 and iris:3. At 12:30 nothing; run x.");
        assert_eq!(
            named,
            vec![
                ("Run 12".to_string(), Named::Run(12)),
                ("run 7".to_string(), Named::Run(7)),
                ("experiment 3".to_string(), Named::Experiment(3)),
                ("iris:3".to_string(), Named::Version("iris".into(), 3)),
            ]
        );
    }
}
