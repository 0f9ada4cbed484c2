//! The files of a run, `runs/<id>/`, named in one place:
//!
//! ```text
//! runs/<id>/evaluation.json   per fold: test rows, predictions, metrics
//!           charts.json       confusion matrix, curves, residuals, downsampled
//!           model.json        preprocessing + the fitted model
//!           importance.json   gain per feature, for models that measure it
//!           latency.json      one-row prediction latency, measured when first compared
//!           artifacts/        files the run's own code logged (MLflow's log_artifact)
//!           log.txt           a command trial's stdout and stderr, as they came (capped)
//!           .folds/<k>.json   folds finished while the run is unfinished (kept
//!                             when it is cancelled or interrupted; a resumed
//!                             run skips them; removed once it succeeds)
//! ```
//!
//! Every file is written under a temporary name and renamed into place.

use datalab_ml::trial::FoldResult;
use datalab_project::{Project, RunId};
use std::path::{Path, PathBuf};

/// Folds finished by a run still in progress.
const FOLDS: &str = ".folds";

/// A run's folder and the names in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFiles {
    run: RunId,
    dir: PathBuf,
}

/// A run file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RunFileError {
    #[error("run {run} has no {name} ({source}): only succeeded runs keep their files")]
    Missing {
        run: RunId,
        name: &'static str,
        source: std::io::Error,
    },
    #[error("runs/{run}/{name} cannot be read: {detail}")]
    Unreadable {
        run: RunId,
        name: &'static str,
        detail: String,
    },
    #[error("the run's files could not be written to {}: {source}", dir.display())]
    Write {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl RunFiles {
    /// The evaluation of every fold.
    pub const EVALUATION: &'static str = "evaluation.json";
    /// The charts, downsampled once when the run finished.
    pub const CHARTS: &'static str = "charts.json";
    /// The trained model with its preprocessing.
    pub const MODEL: &'static str = "model.json";
    /// Gain per feature of the trained model (boosting only).
    pub const IMPORTANCE: &'static str = "importance.json";
    /// One-row latency, measured once.
    pub const LATENCY: &'static str = "latency.json";
    /// Files the run's code logged through the MLflow protocol.
    pub const ARTIFACTS: &'static str = "artifacts";
    /// A command trial's output.
    pub const LOG: &'static str = "log.txt";

    /// Where the files the run's code logged go.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.dir.join(Self::ARTIFACTS)
    }

    pub fn of(project: &Project, run: RunId) -> RunFiles {
        RunFiles {
            run,
            dir: project.runs_dir().join(run.to_string()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of one of the run's files.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The bytes of a file.
    pub fn read(&self, name: &'static str) -> Result<Vec<u8>, RunFileError> {
        std::fs::read(self.path(name)).map_err(|source| RunFileError::Missing {
            run: self.run,
            name,
            source,
        })
    }

    /// A JSON file, parsed.
    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<T, RunFileError> {
        serde_json::from_slice(&self.read(name)?).map_err(|e| RunFileError::Unreadable {
            run: self.run,
            name,
            detail: e.to_string(),
        })
    }

    /// Writes `name` whole: a temporary file, then a rename.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), RunFileError> {
        let write = || -> std::io::Result<()> {
            let path = self.path(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let temp = path.with_file_name(format!(".{file_name}.partial"));
            std::fs::write(&temp, bytes)?;
            std::fs::rename(&temp, &path)
        };
        write().map_err(|source| RunFileError::Write {
            dir: self.dir.clone(),
            source,
        })
    }

    /// Keeps a fold the run finished, until the run ends.
    pub fn save_fold(&self, fold: &FoldResult) -> Result<(), RunFileError> {
        let bytes = serde_json::to_vec(fold).map_err(|e| RunFileError::Write {
            dir: self.dir.clone(),
            source: std::io::Error::other(e),
        })?;
        self.write(&format!("{FOLDS}/{}.json", fold.fold), &bytes)
    }

    /// The folds an earlier, unfinished attempt kept, by fold; unreadable
    /// ones are left out (they are run again).
    pub fn finished_folds(&self) -> Vec<FoldResult> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(FOLDS)) else {
            return Vec::new();
        };
        let mut folds: Vec<FoldResult> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        folds.sort_by_key(|f| f.fold);
        folds
    }

    /// Forgets the kept folds (the run succeeded: its evaluation holds them).
    pub fn clear_folds(&self) {
        let _ = std::fs::remove_dir_all(self.dir.join(FOLDS));
    }

    /// The files a person may look at, as paths relative to the project.
    pub fn listed(&self) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| !name.starts_with('.'))
                    .map(|name| format!("runs/{}/{name}", self.run))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}
