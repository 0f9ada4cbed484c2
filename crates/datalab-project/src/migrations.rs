//! The schema, as numbered, forward-only migrations.
//!
//! `PRAGMA user_version` holds the version a database is at. A migration is
//! never edited once released: change the schema by appending a new one. A
//! database at a version newer than [`LATEST`] is refused rather than guessed
//! at, since its tables may mean things this build does not know.

use rusqlite::Connection;

/// One step of the schema.
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    /// It rebuilds a table others refer to (SQLite's way to change a
    /// column's constraint), so it runs with foreign keys off, as SQLite's
    /// ALTER TABLE documentation prescribes: with them on, dropping the old
    /// table would cascade into its children. The keys are checked before
    /// it commits.
    pub rebuilds: bool,
}

/// Every migration, in order. Versions are 1, 2, 3, ... with no gaps.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "datasets and their profiles",
        sql: r#"
CREATE TABLE datasets (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    source_path      TEXT NOT NULL,
    source_format    TEXT NOT NULL,
    source_sha256    TEXT NOT NULL,
    source_bytes     INTEGER NOT NULL,
    import_options   TEXT NOT NULL,
    snapshot_sha256  TEXT NOT NULL,
    snapshot_bytes   INTEGER NOT NULL,
    row_count        INTEGER NOT NULL,
    column_count     INTEGER NOT NULL,
    schema_json      TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX datasets_by_source ON datasets (source_sha256, import_options);
CREATE INDEX datasets_by_snapshot ON datasets (snapshot_sha256);

CREATE TABLE dataset_profiles (
    dataset_id      INTEGER PRIMARY KEY REFERENCES datasets (id) ON DELETE CASCADE,
    engine_version  TEXT NOT NULL,
    profile_json    TEXT NOT NULL,
    compute_ms      INTEGER NOT NULL,
    computed_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"#,
        rebuilds: false,
    },
    Migration {
        version: 2,
        name: "project metadata and migration history",
        sql: r#"
CREATE TABLE project_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO project_meta (key, value)
    VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE schema_history (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"#,
        rebuilds: false,
    },
    Migration {
        version: 3,
        name: "experiments, runs and their metrics",
        sql: r#"
CREATE TABLE experiments (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    dataset_id      INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
    dataset_sha256  TEXT NOT NULL,
    spec_toml       TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    trial          INTEGER NOT NULL,
    model          TEXT NOT NULL,
    params_json    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN
                       ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    error          TEXT,
    pid            INTEGER,
    started_at     TEXT,
    finished_at    TEXT,
    wall_ms        REAL,
    cpu_ms         REAL,
    summary_json   TEXT
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, trial);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_metrics (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    fold    INTEGER NOT NULL,
    name    TEXT NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (run_id, fold, name)
);
"#,
        rebuilds: false,
    },
    Migration {
        version: 4,
        name: "cancelling running runs from another process",
        sql: r#"
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
"#,
        rebuilds: false,
    },
    Migration {
        version: 5,
        name: "model registry, storage targets and publications",
        sql: r#"
CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A version comes from a run of this project, or was fetched from storage
-- (then run_id is NULL and source says where from).
CREATE TABLE model_versions (
    id             INTEGER PRIMARY KEY,
    model_id       INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    run_id         INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    source         TEXT,
    description    TEXT NOT NULL DEFAULT '',
    package_dir    TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (model_id, version)
);

CREATE TABLE model_aliases (
    model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    version_id  INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    PRIMARY KEY (model_id, alias)
);

-- Where packages can go. Credentials are never stored: they come from the
-- environment (or the OS keychain) when a target is used.
CREATE TABLE storage_targets (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    config_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE publications (
    version_id    INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    target_id     INTEGER NOT NULL REFERENCES storage_targets (id) ON DELETE CASCADE,
    location      TEXT NOT NULL,
    published_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (version_id, target_id)
);
"#,
        rebuilds: false,
    },
    Migration {
        version: 6,
        name: "indexes for sorting runs by their headline metrics",
        // The expressions are the ones `query_runs` sorts by, character for character.
        sql: r#"
CREATE INDEX runs_by_accuracy ON runs (json_extract(summary_json, '$."accuracy".mean'));
CREATE INDEX runs_by_r2 ON runs (json_extract(summary_json, '$."r2".mean'));
CREATE INDEX runs_by_silhouette ON runs (json_extract(summary_json, '$."silhouette".mean'));
"#,
        rebuilds: false,
    },
    Migration {
        version: 7,
        name: "vendor connectors, evaluations, their rows and the response cache",
        sql: r#"
-- A connector to a prediction service. config_json names where its secret
-- comes from (an environment variable, the OS keychain), never the secret.
CREATE TABLE vendors (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    protocol     TEXT NOT NULL,
    config_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- An experiment's test rows sent through a connector. The connector's
-- configuration is copied, so an evaluation still says what it measured
-- after the vendor is changed or removed.
CREATE TABLE evaluations (
    id              INTEGER PRIMARY KEY,
    experiment_id   INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    vendor_id       INTEGER REFERENCES vendors (id) ON DELETE SET NULL,
    vendor_name     TEXT NOT NULL,
    config_json     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                        ('running', 'succeeded', 'failed', 'cancelled', 'capped', 'interrupted')),
    message         TEXT,
    pid             INTEGER,
    spend_cap       REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    started_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at     TEXT,
    wall_ms         REAL,
    summary_json    TEXT
);
CREATE INDEX evaluations_by_experiment ON evaluations (experiment_id);

-- One test row of an evaluation: its answer or why there is none, and the
-- call that carried it (a batch's latency and cost are shared by its rows).
CREATE TABLE evaluation_rows (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    row_index      INTEGER NOT NULL,
    answer         TEXT,
    failure_kind   TEXT,
    failure        TEXT,
    call_index     INTEGER,
    latency_ms     REAL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost           REAL NOT NULL DEFAULT 0,
    cached         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (evaluation_id, row_index)
);

-- Successful responses by the hash of their request (URL, body; never a
-- header), so evaluating again costs nothing.
CREATE TABLE response_cache (
    request_sha256  TEXT PRIMARY KEY,
    response        TEXT NOT NULL,
    latency_ms      REAL NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"#,
        rebuilds: false,
    },
    Migration {
        version: 8,
        name: "jobs: one record per long piece of work, owned by a process that beats",
        sql: r#"
-- Long work (imports, sweeps, evaluations, publishes, fetches): progress, a
-- cancel request any process may set, and the owner that runs it with its
-- heartbeat. A PID alone cannot tell a dead owner from a live one across
-- containers; owner_json says who it is, heartbeat_ms when it last spoke.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    label             TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN
                          ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    stage             TEXT,
    done              INTEGER NOT NULL DEFAULT 0,
    total             INTEGER NOT NULL DEFAULT 0,
    message           TEXT,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    owner_json        TEXT NOT NULL,
    heartbeat_ms      INTEGER NOT NULL,
    experiment_id     INTEGER REFERENCES experiments (id) ON DELETE SET NULL,
    evaluation_id     INTEGER REFERENCES evaluations (id) ON DELETE SET NULL,
    started_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at       TEXT
);
-- Recovery looks at running jobs only, on every open: keep that lookup small.
CREATE INDEX jobs_running ON jobs (status) WHERE status = 'running';
CREATE INDEX jobs_by_start ON jobs (started_at);

-- A run or an evaluation belongs to the job that claimed it; the PIDs go.
ALTER TABLE runs ADD COLUMN job_id TEXT REFERENCES jobs (id) ON DELETE SET NULL;
ALTER TABLE evaluations ADD COLUMN job_id TEXT REFERENCES jobs (id) ON DELETE SET NULL;
CREATE INDEX runs_by_job ON runs (job_id) WHERE job_id IS NOT NULL;
-- The queue: workers claim the next queued trial of an experiment.
CREATE INDEX runs_queued ON runs (experiment_id, trial) WHERE status = 'queued';

-- Work an older build left running has no owner this build can ask about:
-- it is interrupted (`datalab run --experiment N` resumes a sweep). Queued
-- runs stay queued: a worker claims them.
UPDATE runs SET status = 'interrupted', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE status = 'running';
UPDATE evaluations SET status = 'interrupted', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    message = 'the process running it stopped'
    WHERE status = 'running';
ALTER TABLE runs DROP COLUMN pid;
ALTER TABLE evaluations DROP COLUMN pid;
-- Cancelling an evaluation is cancelling its job.
ALTER TABLE evaluations DROP COLUMN cancel_requested;
"#,
        rebuilds: false,
    },
    Migration {
        version: 9,
        name: "runs logged from outside through the MLflow protocol: run ids, tags, metric histories, inputs and logged models",
        sql: r#"
-- Where an experiment's runs come from: a spec Data Lab runs ('spec'), or
-- code outside that logs them through the MLflow protocol ('tracking'; then
-- spec_toml and dataset_sha256 are empty). Deleting is MLflow's soft delete.
ALTER TABLE experiments ADD COLUMN origin TEXT NOT NULL DEFAULT 'spec'
    CHECK (origin IN ('spec', 'tracking'));
ALTER TABLE experiments ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'
    CHECK (lifecycle_stage IN ('active', 'deleted'));
ALTER TABLE experiments ADD COLUMN updated_ms INTEGER;
CREATE TABLE experiment_tags (
    experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
-- Every run has the 32-hex id MLflow clients address it by; a run's origin
-- says who ran it: a catalog model, a command of a spec, or outside code.
ALTER TABLE runs ADD COLUMN uuid TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid);
ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT 'catalog'
    CHECK (origin IN ('catalog', 'command', 'tracking'));
ALTER TABLE runs ADD COLUMN name TEXT;
ALTER TABLE runs ADD COLUMN user_id TEXT;
ALTER TABLE runs ADD COLUMN start_ms INTEGER;
ALTER TABLE runs ADD COLUMN end_ms INTEGER;
ALTER TABLE runs ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'
    CHECK (lifecycle_stage IN ('active', 'deleted'));
CREATE TABLE run_tags (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
-- Every logged point of a metric, in the order it arrived. A NULL value is
-- NaN (SQLite stores NaN as NULL); infinities are stored as such.
CREATE TABLE metric_points (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         REAL,
    timestamp_ms  INTEGER NOT NULL,
    step          INTEGER NOT NULL
);
CREATE INDEX metric_points_by_run ON metric_points (run_id, key);
-- Each metric's latest point (highest step, then timestamp), what searches
-- filter and sort by.
CREATE TABLE latest_metrics (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         REAL,
    timestamp_ms  INTEGER NOT NULL,
    step          INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_value ON latest_metrics (key, value);
-- Datasets a run says it used (MLflow's log_inputs), as the client sent them.
CREATE TABLE run_inputs (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    context       TEXT,
    dataset_json  TEXT NOT NULL,
    tags_json     TEXT NOT NULL,
    UNIQUE (run_id, name, digest)
);
-- MLflow 3's logged models: a model a run logged, its files under
-- logged-models/<id>/artifacts/.
CREATE TABLE logged_models (
    id              TEXT PRIMARY KEY,
    experiment_id   INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    model_type      TEXT,
    source_run_id   INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    status          TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    params_json     TEXT NOT NULL DEFAULT '{}',
    tags_json       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id, name);
CREATE TABLE run_outputs (
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    model_id  TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    step      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, model_id)
) WITHOUT ROWID;
-- A registered version is a Data Lab package ('datalab', servable here) or
-- an MLflow model's files ('mlflow': a flavour Data Lab cannot serve).
ALTER TABLE model_versions ADD COLUMN format TEXT NOT NULL DEFAULT 'datalab'
    CHECK (format IN ('datalab', 'mlflow'));
ALTER TABLE models ADD COLUMN description TEXT NOT NULL DEFAULT '';
"#,
        rebuilds: false,
    },
    Migration {
        version: 10,
        name: "pruned runs: a trial early stopping ended, with the rung it reached",
        rebuilds: true,
        sql: r#"
-- SQLite cannot widen a CHECK in place: the runs table is rebuilt with
-- 'pruned' among its statuses and the rung a pruned run reached, its
-- columns and indexes as migrations 1-9 left them.
CREATE TABLE runs_rebuilt (
    id               INTEGER PRIMARY KEY,
    experiment_id    INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    trial            INTEGER NOT NULL,
    model            TEXT NOT NULL,
    params_json      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN
                         ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'pruned')),
    error            TEXT,
    started_at       TEXT,
    finished_at      TEXT,
    wall_ms          REAL,
    cpu_ms           REAL,
    summary_json     TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    job_id           TEXT REFERENCES jobs (id) ON DELETE SET NULL,
    uuid             TEXT,
    origin           TEXT NOT NULL DEFAULT 'catalog'
                         CHECK (origin IN ('catalog', 'command', 'tracking')),
    name             TEXT,
    user_id          TEXT,
    start_ms         INTEGER,
    end_ms           INTEGER,
    lifecycle_stage  TEXT NOT NULL DEFAULT 'active'
                         CHECK (lifecycle_stage IN ('active', 'deleted')),
    -- A pruned run: the rung (1, 2, ...) whose comparison stopped it.
    rung             INTEGER
);
INSERT INTO runs_rebuilt (id, experiment_id, trial, model, params_json, status, error, started_at,
        finished_at, wall_ms, cpu_ms, summary_json, cancel_requested, job_id, uuid, origin, name,
        user_id, start_ms, end_ms, lifecycle_stage)
    SELECT id, experiment_id, trial, model, params_json, status, error, started_at,
        finished_at, wall_ms, cpu_ms, summary_json, cancel_requested, job_id, uuid, origin, name,
        user_id, start_ms, end_ms, lifecycle_stage FROM runs;
DROP TABLE runs;
ALTER TABLE runs_rebuilt RENAME TO runs;
CREATE INDEX runs_by_experiment ON runs (experiment_id, trial);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_accuracy ON runs (json_extract(summary_json, '$."accuracy".mean'));
CREATE INDEX runs_by_r2 ON runs (json_extract(summary_json, '$."r2".mean'));
CREATE INDEX runs_by_silhouette ON runs (json_extract(summary_json, '$."silhouette".mean'));
CREATE INDEX runs_by_job ON runs (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX runs_queued ON runs (experiment_id, trial) WHERE status = 'queued';
CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid);
"#,
    },
    Migration {
        version: 11,
        name: "the port a model version was last served on",
        rebuilds: false,
        sql: r#"
-- Serving a version again reuses its port, so a vendor connector or a
-- script pointing at it still works after the app restarts.
ALTER TABLE model_versions ADD COLUMN served_port INTEGER
    CHECK (served_port IS NULL OR served_port BETWEEN 1 AND 65535);
"#,
    },
    Migration {
        version: 12,
        name: "the lab journal's notes",
        rebuilds: false,
        sql: r#"
-- A note in Markdown on the project (no subject id), an experiment, a run or
-- a model version. Notes are history: one stays when what it is about is
-- removed (its links then show as broken).
CREATE TABLE notes (
    id            INTEGER PRIMARY KEY,
    subject_kind  TEXT NOT NULL
                      CHECK (subject_kind IN ('project', 'experiment', 'run', 'model_version')),
    subject_id    INTEGER,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((subject_kind = 'project') = (subject_id IS NULL))
);
CREATE INDEX notes_by_subject ON notes (subject_kind, subject_id);
"#,
    },
    Migration {
        version: 13,
        name: "monthly budgets for vendor spend",
        rebuilds: false,
        sql: r#"
-- What may be spent on vendors in a calendar month (UTC): per vendor, or
-- over all of them ('*'). An evaluation checks the budgets before it starts
-- and stops before passing one.
CREATE TABLE budgets (
    vendor         TEXT PRIMARY KEY,
    monthly_limit  REAL NOT NULL CHECK (monthly_limit >= 0),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"#,
    },
    Migration {
        version: 14,
        name: "whether evaluations and model versions met their agreements when made",
        rebuilds: false,
        sql: r#"
-- Checked once, when the evaluation ended or the version was registered,
-- against the agreements that applied then (kept as written): the ledger
-- sets them beside what the agreements say now.
CREATE TABLE agreement_checks (
    subject_kind     TEXT NOT NULL CHECK (subject_kind IN ('evaluation', 'model_version')),
    subject_id       INTEGER NOT NULL,
    experiment_id    INTEGER NOT NULL,
    met              INTEGER CHECK (met IS NULL OR met IN (0, 1)),
    misses_json      TEXT NOT NULL DEFAULT '[]',
    agreements_json  TEXT NOT NULL,
    checked_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (subject_kind, subject_id)
);
"#,
    },
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The version a database is at (0 for a new, empty one).
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings a database up to `target`, one migration per transaction, so a
/// failure leaves it at the last version that completed.
///
/// The caller checks that the database is not newer than `target`; here a
/// newer database is left alone.
pub fn migrate_to(conn: &mut Connection, target: i64) -> rusqlite::Result<()> {
    let from = current_version(conn)?;
    for migration in MIGRATIONS
        .iter()
        .filter(|m| m.version > from && m.version <= target)
    {
        let keys_off = migration.rebuilds
            && conn.query_row("PRAGMA foreign_keys", [], |row| row.get::<_, bool>(0))?;
        if keys_off {
            // A no-op inside a transaction, so it is set before one opens.
            conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let applied = apply(conn, migration);
        if keys_off {
            conn.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        applied?;
    }
    Ok(())
}

/// One migration in one transaction, recorded in the history.
fn apply(conn: &mut Connection, migration: &Migration) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(migration.sql)?;
    if migration.rebuilds {
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if broken > 0 {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!(
                    "migration {} would leave {broken} rows pointing at nothing",
                    migration.version
                )),
            ));
        }
    }
    let has_history: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_history')",
            [],
            |row| row.get(0),
        )?;
    if has_history {
        // Versions before the history table existed are recorded when it appears.
        for earlier in MIGRATIONS.iter().filter(|m| m.version <= migration.version) {
            tx.execute(
                "INSERT OR IGNORE INTO schema_history (version, name) VALUES (?1, ?2)",
                (earlier.version, earlier.name),
            )?;
        }
    }
    // PRAGMA does not take bound parameters; the version is our own integer.
    tx.execute_batch(&format!("PRAGMA user_version = {}", migration.version))?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
        }
    }

    #[test]
    fn migrating_twice_changes_nothing() -> rusqlite::Result<()> {
        let mut conn = Connection::open_in_memory()?;
        migrate_to(&mut conn, LATEST)?;
        migrate_to(&mut conn, LATEST)?;
        assert_eq!(current_version(&conn)?, LATEST);
        let history: i64 =
            conn.query_row("SELECT count(*) FROM schema_history", [], |r| r.get(0))?;
        assert_eq!(history, LATEST);
        Ok(())
    }
}
