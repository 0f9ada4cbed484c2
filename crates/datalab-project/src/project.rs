//! Opening, creating and finding a project folder, and the database
//! connection's settings (WAL, foreign keys, busy timeout).

use crate::error::ProjectError;
use crate::migrations;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file at the root of every project folder.
pub const DATABASE_FILE: &str = "datalab.sqlite";

const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open project: its folder and a connection to its database.
#[derive(Debug)]
pub struct Project {
    root: PathBuf,
    db_path: PathBuf,
    pub(crate) conn: Connection,
    busy_timeout: Duration,
}

impl Project {
    /// Creates a new project in `dir` (made if missing; it may already hold
    /// other files, but not a project).
    pub fn create(dir: &Path) -> Result<Project, ProjectError> {
        let db_path = dir.join(DATABASE_FILE);
        if db_path.exists() {
            return Err(ProjectError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| ProjectError::io(dir, e))?;
        let root = dir.canonicalize().map_err(|e| ProjectError::io(dir, e))?;
        for sub in ["datasets", "runs", "exports"] {
            let path = root.join(sub);
            std::fs::create_dir_all(&path).map_err(|e| ProjectError::io(&path, e))?;
        }
        Self::connect(root, true)
    }

    /// Opens the project whose root is exactly `dir`.
    pub fn open(dir: &Path) -> Result<Project, ProjectError> {
        if !dir.join(DATABASE_FILE).is_file() {
            return Err(ProjectError::NotAProject {
                dir: dir.to_path_buf(),
            });
        }
        let root = dir.canonicalize().map_err(|e| ProjectError::io(dir, e))?;
        Self::connect(root, false)
    }

    /// Opens the project that contains `start`: `start` itself or the nearest
    /// parent folder holding a project database, as git finds its repository.
    pub fn discover(start: &Path) -> Result<Project, ProjectError> {
        let absolute = start
            .canonicalize()
            .map_err(|e| ProjectError::io(start, e))?;
        let mut dir = Some(absolute.as_path());
        while let Some(candidate) = dir {
            if candidate.join(DATABASE_FILE).is_file() {
                return Self::open(candidate);
            }
            dir = candidate.parent();
        }
        Err(ProjectError::NotAProject {
            dir: start.to_path_buf(),
        })
    }

    fn connect(root: PathBuf, create: bool) -> Result<Project, ProjectError> {
        let db_path = root.join(DATABASE_FILE);
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let busy_timeout = busy_timeout_from_env();
        let mut project = Project {
            conn: Connection::open_with_flags(&db_path, flags)?,
            root,
            db_path,
            busy_timeout,
        };
        project.configure().map_err(|e| project.db_error(e))?;
        project.upgrade()?;
        Ok(project)
    }

    fn configure(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(self.busy_timeout)?;
        // WAL lets readers (the UI) go on while a run writes its metrics.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        debug_assert_eq!(mode.to_lowercase(), "wal");
        self.conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;",
        )?;
        Ok(())
    }

    fn upgrade(&mut self) -> Result<(), ProjectError> {
        let found = migrations::current_version(&self.conn).map_err(|e| self.db_error(e))?;
        if found > migrations::LATEST {
            return Err(ProjectError::NewerSchema {
                path: self.db_path.clone(),
                found,
                supported: migrations::LATEST,
            });
        }
        if found < migrations::LATEST {
            let result = migrations::migrate_to(&mut self.conn, migrations::LATEST);
            result.map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }

    /// Turns a database error into a project error, naming a lock for what it is.
    pub(crate) fn db_error(&self, error: rusqlite::Error) -> ProjectError {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ProjectError::Locked {
                path: self.db_path.clone(),
                waited_ms: self.busy_timeout.as_millis() as u64,
            },
            _ => ProjectError::Database(error),
        }
    }

    /// How long to wait for another process's lock before reporting
    /// [`ProjectError::Locked`].
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), ProjectError> {
        self.busy_timeout = timeout;
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| self.db_error(e))
    }

    /// Runs a query and maps every row; errors become project errors.
    pub(crate) fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, ProjectError> {
        let rows = || -> rusqlite::Result<Vec<T>> {
            let mut statement = self.conn.prepare_cached(sql)?;
            let rows = statement.query_map(params, map)?;
            rows.collect()
        };
        rows().map_err(|e| self.db_error(e))
    }

    /// Runs a query for one row; no row is `NotFound { kind, key }`.
    pub(crate) fn query_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        kind: &'static str,
        key: impl std::fmt::Display,
    ) -> Result<T, ProjectError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(sql, params, map)
            .optional()
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| ProjectError::NotFound {
                kind,
                key: key.to_string(),
            })
    }

    /// The project folder (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The database file.
    pub fn database_path(&self) -> &Path {
        &self.db_path
    }

    /// Where dataset snapshots live, named by content hash.
    pub fn datasets_dir(&self) -> PathBuf {
        self.root.join("datasets")
    }

    /// Where each run keeps its model file, predictions and evaluation data.
    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// Where registered model versions keep their packages (`models/<name>/<version>/`).
    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    /// Where models logged through the MLflow protocol keep their files
    /// (`logged-models/<id>/artifacts/`).
    pub fn logged_models_dir(&self) -> PathBuf {
        self.root.join("logged-models")
    }

    /// Where bundles and reports the user exported go.
    pub fn exports_dir(&self) -> PathBuf {
        self.root.join("exports")
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, ProjectError> {
        migrations::current_version(&self.conn).map_err(|e| self.db_error(e))
    }

    /// A value from the project's key/value metadata.
    pub fn meta(&self, key: &str) -> Result<Option<String>, ProjectError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT value FROM project_meta WHERE key = ?1",
                [key],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }
}

/// `DATALAB_BUSY_TIMEOUT_MS` shortens or lengthens the wait for a locked database.
fn busy_timeout_from_env() -> Duration {
    std::env::var("DATALAB_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_BUSY_TIMEOUT)
}
