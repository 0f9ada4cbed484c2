//! The lab journal: notes in Markdown on the project, an experiment, a run
//! or a model version, with the links they make looked up (a link to a
//! record that is not there is shown as broken, never an error), and the
//! project's history in order.

use crate::error::ApiError;
use datalab_project::{JournalEntry, NoteLink, NoteRecord, NoteSubject, Project};
use serde::{Deserialize, Serialize};

/// The most journal entries one call returns.
pub const MAX_JOURNAL_PAGE: u64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A note with its links looked up.
pub struct NoteInfo {
    /// Its id.
    pub id: i64,
    /// What it is about.
    pub subject: NoteSubject,
    /// Its text, in Markdown.
    pub body: String,
    /// When it was written, and last changed.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
    /// The links its text makes (`run 12`, `experiment 3`, `iris:3`); one
    /// without a target is broken.
    pub links: Vec<NoteLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A note to write.
pub struct AddNoteRequest {
    /// What it is about.
    pub subject: NoteSubject,
    /// Its text, in Markdown.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A note's new text.
pub struct EditNoteRequest {
    /// The note.
    pub note: i64,
    /// Its text, in Markdown.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A note, by id.
pub struct NoteRef {
    /// The note.
    pub note: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// The notes on one subject.
pub struct NotesRequest {
    /// What they are about.
    pub subject: NoteSubject,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A page of the project's history, newest first.
pub struct JournalRequest {
    /// Entries before this time (ISO 8601), for the next page.
    #[serde(default)]
    pub before: Option<String>,
    /// How many (at most [`MAX_JOURNAL_PAGE`]; 200 when absent).
    #[serde(default)]
    pub limit: Option<u64>,
}

fn info(project: &Project, note: NoteRecord) -> Result<NoteInfo, ApiError> {
    Ok(NoteInfo {
        links: project.note_links(&note.body)?,
        id: note.id,
        subject: note.subject,
        body: note.body,
        created_at: note.created_at,
        updated_at: note.updated_at,
    })
}

/// The subject must exist: a note on a run that is not there is refused.
fn check_subject(project: &Project, subject: NoteSubject) -> Result<(), ApiError> {
    match subject {
        NoteSubject::Project => {}
        NoteSubject::Experiment(id) => {
            project.experiment(id)?;
        }
        NoteSubject::Run(id) => {
            project.run(id)?;
        }
        NoteSubject::ModelVersion(id) => {
            project.model_version_by_id(id)?;
        }
    }
    Ok(())
}

/// The subject a model reference (`name`, `name:3`, `name@alias`) names.
pub fn version_subject(project: &Project, model: &str) -> Result<NoteSubject, ApiError> {
    let (name, version, alias) = crate::parse_model_ref(model)?;
    let record = project.model_version(&name, version, alias.as_deref())?;
    Ok(NoteSubject::ModelVersion(record.id))
}

/// Writes a note on the project, an experiment, a run or a model version.
pub fn add_note(project: &Project, request: &AddNoteRequest) -> Result<NoteInfo, ApiError> {
    check_subject(project, request.subject)?;
    let note = project
        .add_note(request.subject, &request.body)
        .map_err(|e| ApiError::from(e).on_field("body"))?;
    info(project, note)
}

/// Changes a note's text.
pub fn edit_note(project: &Project, request: &EditNoteRequest) -> Result<NoteInfo, ApiError> {
    let note = project
        .edit_note(request.note, &request.body)
        .map_err(|e| ApiError::from(e).on_field("body"))?;
    info(project, note)
}

/// Removes a note.
pub fn delete_note(project: &Project, note: i64) -> Result<(), ApiError> {
    Ok(project.delete_note(note)?)
}

/// The notes on a subject, oldest first.
pub fn list_notes(project: &Project, subject: NoteSubject) -> Result<Vec<NoteInfo>, ApiError> {
    project
        .notes_on(subject)?
        .into_iter()
        .map(|note| info(project, note))
        .collect()
}

/// The project's history, newest first: imports, experiments, notes,
/// registrations, publications and evaluations.
pub fn journal(project: &Project, request: &JournalRequest) -> Result<Vec<JournalEntry>, ApiError> {
    let limit = request.limit.unwrap_or(200).clamp(1, MAX_JOURNAL_PAGE);
    Ok(project.journal(request.before.as_deref(), limit)?)
}
