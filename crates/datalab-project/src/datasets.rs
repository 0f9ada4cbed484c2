//! Dataset records and their cached profiles.

use crate::error::ProjectError;
use crate::ids::DatasetId;
use crate::project::Project;
use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// What an import produced, before it has an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDataset {
    pub name: String,
    pub source_path: String,
    pub source_format: String,
    pub source_sha256: String,
    pub source_bytes: u64,
    /// The import options that shaped the snapshot, as canonical JSON: the same
    /// file imported with other options is another dataset.
    pub import_options: String,
    pub snapshot_sha256: String,
    pub snapshot_bytes: u64,
    pub row_count: u64,
    pub column_count: u64,
    /// The snapshot's columns, as JSON defined by the data layer.
    pub schema_json: String,
}

/// A dataset as the project knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub id: DatasetId,
    #[serde(flatten)]
    pub fields: NewDataset,
    pub created_at: String,
}

const DATASET_COLUMNS: &str = "id, name, source_path, source_format, source_sha256, source_bytes, \
     import_options, snapshot_sha256, snapshot_bytes, row_count, column_count, schema_json, created_at";

fn dataset_from_row(row: &Row<'_>) -> rusqlite::Result<DatasetRecord> {
    Ok(DatasetRecord {
        id: row.get(0)?,
        fields: NewDataset {
            name: row.get(1)?,
            source_path: row.get(2)?,
            source_format: row.get(3)?,
            source_sha256: row.get(4)?,
            source_bytes: row.get(5)?,
            import_options: row.get(6)?,
            snapshot_sha256: row.get(7)?,
            snapshot_bytes: row.get(8)?,
            row_count: row.get(9)?,
            column_count: row.get(10)?,
            schema_json: row.get(11)?,
        },
        created_at: row.get(12)?,
    })
}

impl Project {
    /// Records a dataset and its profile in one transaction: both or neither.
    pub fn insert_dataset_with_profile(
        &self,
        new: &NewDataset,
        engine_version: &str,
        profile_json: &str,
        compute_ms: u64,
    ) -> Result<DatasetRecord, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        let record = self.insert_dataset(new)?;
        self.save_profile(record.id, engine_version, profile_json, compute_ms)?;
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(record)
    }

    /// Records a dataset whose snapshot is already in place.
    pub fn insert_dataset(&self, new: &NewDataset) -> Result<DatasetRecord, ProjectError> {
        let inserted = self.conn.execute(
            "INSERT INTO datasets (name, source_path, source_format, source_sha256, source_bytes,
                 import_options, snapshot_sha256, snapshot_bytes, row_count, column_count, schema_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                new.name,
                new.source_path,
                new.source_format,
                new.source_sha256,
                new.source_bytes,
                new.import_options,
                new.snapshot_sha256,
                new.snapshot_bytes,
                new.row_count,
                new.column_count,
                new.schema_json,
            ],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                return Err(ProjectError::NameTaken {
                    kind: "dataset",
                    name: new.name.clone(),
                });
            }
            Err(e) => return Err(self.db_error(e)),
        }
        self.dataset(DatasetId(self.conn.last_insert_rowid()))
    }

    /// Every dataset, oldest first.
    pub fn datasets(&self) -> Result<Vec<DatasetRecord>, ProjectError> {
        self.query_all(
            &format!("SELECT {DATASET_COLUMNS} FROM datasets ORDER BY id"),
            [],
            dataset_from_row,
        )
    }

    /// One dataset by id.
    pub fn dataset(&self, id: DatasetId) -> Result<DatasetRecord, ProjectError> {
        let sql = format!("SELECT {DATASET_COLUMNS} FROM datasets WHERE id = ?1");
        self.query_one(&sql, [id], dataset_from_row, "dataset", id)
    }

    /// One dataset by name, or by id when `key` is a number that is not also a name.
    pub fn find_dataset(&self, key: &str) -> Result<DatasetRecord, ProjectError> {
        let sql = format!("SELECT {DATASET_COLUMNS} FROM datasets WHERE name = ?1");
        let by_name = self
            .conn
            .query_row(&sql, [key], dataset_from_row)
            .optional()
            .map_err(|e| self.db_error(e))?;
        if let Some(record) = by_name {
            return Ok(record);
        }
        match key.parse::<i64>() {
            Ok(id) => self
                .dataset(DatasetId(id))
                .map_err(|_| ProjectError::NotFound {
                    kind: "dataset",
                    key: key.to_string(),
                }),
            Err(_) => Err(ProjectError::NotFound {
                kind: "dataset",
                key: key.to_string(),
            }),
        }
    }

    /// A dataset imported earlier from the same bytes with the same options.
    pub fn dataset_from_source(
        &self,
        source_sha256: &str,
        import_options: &str,
    ) -> Result<Option<DatasetRecord>, ProjectError> {
        let sql = format!(
            "SELECT {DATASET_COLUMNS} FROM datasets
             WHERE source_sha256 = ?1 AND import_options = ?2 ORDER BY id LIMIT 1"
        );
        self.conn
            .query_row(&sql, [source_sha256, import_options], dataset_from_row)
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// A dataset whose snapshot has exactly this content.
    pub fn dataset_with_snapshot(
        &self,
        snapshot_sha256: &str,
    ) -> Result<Option<DatasetRecord>, ProjectError> {
        let sql = format!(
            "SELECT {DATASET_COLUMNS} FROM datasets WHERE snapshot_sha256 = ?1 ORDER BY id LIMIT 1"
        );
        self.conn
            .query_row(&sql, [snapshot_sha256], dataset_from_row)
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// `base`, or `base-2`, `base-3`, ... whichever is free.
    pub fn free_dataset_name(&self, base: &str) -> Result<String, ProjectError> {
        let taken = |name: &str| -> Result<bool, ProjectError> {
            self.conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM datasets WHERE name = ?1)",
                    [name],
                    |row| row.get(0),
                )
                .map_err(|e| self.db_error(e))
        };
        if !taken(base)? {
            return Ok(base.to_string());
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{base}-{n}");
            if !taken(&candidate)? {
                return Ok(candidate);
            }
            n += 1;
        }
    }

    /// Deletes a dataset's record (its profile goes with it). Returns whether
    /// another dataset still uses the same snapshot file, in which case the
    /// caller must keep the file.
    pub fn delete_dataset(&self, id: DatasetId) -> Result<bool, ProjectError> {
        let record = self.dataset(id)?;
        self.conn
            .execute("DELETE FROM datasets WHERE id = ?1", [id])
            .map_err(|e| self.db_error(e))?;
        Ok(self
            .dataset_with_snapshot(&record.fields.snapshot_sha256)?
            .is_some())
    }

    /// Caches a dataset's profile, replacing an older one.
    pub fn save_profile(
        &self,
        id: DatasetId,
        engine_version: &str,
        profile_json: &str,
        compute_ms: u64,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO dataset_profiles (dataset_id, engine_version, profile_json, compute_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, engine_version, profile_json, compute_ms],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The cached profile of a dataset, if one was computed by `engine_version`.
    /// A profile from another engine version is treated as absent, so a fix
    /// in the statistics reaches old projects.
    pub fn cached_profile(
        &self,
        id: DatasetId,
        engine_version: &str,
    ) -> Result<Option<String>, ProjectError> {
        self.conn
            .query_row(
                "SELECT profile_json FROM dataset_profiles WHERE dataset_id = ?1 AND engine_version = ?2",
                rusqlite::params![id, engine_version],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }
}
