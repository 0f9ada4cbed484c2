//! The model registry's records: models, their numbered versions with
//! lineage to a run (or the storage they were fetched from), aliases,
//! storage targets (configuration only: never credentials) and publications.

use crate::error::ProjectError;
use crate::ids::{ModelId, ModelVersionId, RunId, StorageTargetId};
use crate::project::Project;
use rusqlite::Row;
use serde::{Deserialize, Serialize};

/// What a version's files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionFormat {
    /// A Data Lab package (`model.json` manifest): servable and publishable here.
    Datalab,
    /// An MLflow model's files, registered through the MLflow protocol
    /// (a pickled scikit-learn model, say): Data Lab keeps and lists it, and
    /// MLflow clients load it, but Data Lab cannot serve it.
    Mlflow,
}

/// A registered model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRecord {
    pub id: ModelId,
    pub name: String,
    pub description: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersionRecord {
    pub id: ModelVersionId,
    pub model_id: ModelId,
    pub model: String,
    pub version: u32,
    pub run_id: Option<RunId>,
    pub source: Option<String>,
    pub description: String,
    /// The package folder, relative to the project root.
    pub package_dir: String,
    pub manifest_sha256: String,
    pub created_at: String,
    pub aliases: Vec<String>,
    pub format: VersionFormat,
    pub created_ms: i64,
    /// The port it was last served on from the app, kept so that what
    /// points at it (a vendor connector, a script) still finds it.
    pub served_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageTargetRecord {
    pub id: StorageTargetId,
    pub name: String,
    pub config_json: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicationRecord {
    pub version_id: ModelVersionId,
    pub target: String,
    pub location: String,
    pub published_at: String,
}

/// A new version to record: the package is already in place.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModelVersion<'a> {
    pub model: &'a str,
    pub run_id: Option<RunId>,
    pub source: Option<&'a str>,
    pub description: &'a str,
    pub package_dir: &'a str,
    pub manifest_sha256: &'a str,
    pub format: VersionFormat,
}

impl VersionFormat {
    /// How the `format` column spells it.
    fn column(self) -> &'static str {
        match self {
            VersionFormat::Datalab => "datalab",
            VersionFormat::Mlflow => "mlflow",
        }
    }
}

const VERSION_COLUMNS: &str = "v.id, v.model_id, m.name, v.version, v.run_id, v.source, v.description, \
     v.package_dir, v.manifest_sha256, v.created_at, \
     (SELECT group_concat(alias, ',') FROM (SELECT alias FROM model_aliases a WHERE a.version_id = v.id ORDER BY alias)), \
     v.format, CAST(round((julianday(v.created_at) - 2440587.5) * 86400000.0) AS INTEGER), \
     v.served_port";

/// A model's columns, its creation time in milliseconds.
fn model_columns() -> String {
    format!(
        "id, name, description, {}",
        crate::tracking::ms_of("created_at")
    )
}

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<ModelVersionRecord> {
    let aliases: Option<String> = row.get(10)?;
    let format: String = row.get(11)?;
    Ok(ModelVersionRecord {
        format: if format == VersionFormat::Mlflow.column() {
            VersionFormat::Mlflow
        } else {
            VersionFormat::Datalab
        },
        created_ms: row.get(12)?,
        served_port: row.get(13)?,
        id: row.get(0)?,
        model_id: row.get(1)?,
        model: row.get(2)?,
        version: row.get(3)?,
        run_id: row.get(4)?,
        source: row.get(5)?,
        description: row.get(6)?,
        package_dir: row.get(7)?,
        manifest_sha256: row.get(8)?,
        created_at: row.get(9)?,
        aliases: aliases
            .map(|a| a.split(',').map(String::from).collect())
            .unwrap_or_default(),
    })
}

fn model_from_row(row: &Row<'_>) -> rusqlite::Result<ModelRecord> {
    Ok(ModelRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        created_ms: row.get(3)?,
    })
}

fn storage_target_from_row(row: &Row<'_>) -> rusqlite::Result<StorageTargetRecord> {
    Ok(StorageTargetRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        config_json: row.get(2)?,
        created_at: row.get(3)?,
    })
}

impl Project {
    /// The version number the next version of `model` gets (1 for a new model).
    pub fn next_model_version(&self, model: &str) -> Result<u32, ProjectError> {
        self.query_one(
            "SELECT coalesce(max(v.version), 0) + 1 FROM model_versions v \
             JOIN models m ON m.id = v.model_id WHERE m.name = ?1",
            [model],
            |row| row.get(0),
            "model",
            model,
        )
    }

    /// Records `version` of a model (creating the model on its first version).
    pub fn insert_model_version(
        &self,
        version: u32,
        new: &NewModelVersion<'_>,
    ) -> Result<ModelVersionRecord, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO models (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [new.model],
            )
            .map_err(|e| self.db_error(e))?;
        let inserted = self.conn.execute(
            "INSERT INTO model_versions (model_id, version, run_id, source, description, package_dir, \
             manifest_sha256, format) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM models WHERE name = ?1",
            rusqlite::params![
                new.model,
                version,
                new.run_id,
                new.source,
                new.description,
                new.package_dir,
                new.manifest_sha256,
                new.format.column()
            ],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ProjectError::NameTaken {
                    kind: "model version",
                    name: format!("{}:{version}", new.model),
                });
            }
            other => other.map_err(|e| self.db_error(e))?,
        };
        let id = ModelVersionId(self.conn.last_insert_rowid());
        tx.commit().map_err(|e| self.db_error(e))?;
        self.model_version_by_id(id)
    }

    /// Moves a version's files to a package of their own (an MLflow
    /// version packaged to be published), with its manifest's sha256.
    pub fn set_model_version_package(
        &self,
        id: ModelVersionId,
        package_dir: &str,
        manifest_sha256: &str,
    ) -> Result<ModelVersionRecord, ProjectError> {
        self.conn
            .execute(
                "UPDATE model_versions SET package_dir = ?2, manifest_sha256 = ?3 WHERE id = ?1",
                rusqlite::params![id, package_dir, manifest_sha256],
            )
            .map_err(|e| self.db_error(e))?;
        self.model_version_by_id(id)
    }

    /// Keeps the port a version is served on, for the next time it is served.
    pub fn set_served_port(&self, id: ModelVersionId, port: u16) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "UPDATE model_versions SET served_port = ?2 WHERE id = ?1",
                rusqlite::params![id, port],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn model_version_by_id(
        &self,
        id: ModelVersionId,
    ) -> Result<ModelVersionRecord, ProjectError> {
        self.query_one(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?1"
            ),
            [id],
            version_from_row,
            "model version",
            id,
        )
    }

    /// `model` at `version`, or at the version `alias` points to, or its latest.
    pub fn model_version(
        &self,
        model: &str,
        version: Option<u32>,
        alias: Option<&str>,
    ) -> Result<ModelVersionRecord, ProjectError> {
        let (filter, key) = match (version, alias) {
            (Some(v), _) => ("v.version = ?2", v.to_string()),
            (None, Some(a)) => (
                "v.id = (SELECT version_id FROM model_aliases a WHERE a.model_id = m.id AND a.alias = ?2)",
                a.to_string(),
            ),
            (None, None) => (
                "v.version = (SELECT max(version) FROM model_versions w WHERE w.model_id = m.id) AND ?2 = ?2",
                String::new(),
            ),
        };
        let label = match (version, alias) {
            (Some(v), _) => format!("{model}:{v}"),
            (None, Some(a)) => format!("{model}@{a}"),
            (None, None) => model.to_string(),
        };
        self.query_one(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id \
                 WHERE m.name = ?1 AND {filter}"
            ),
            rusqlite::params![model, key],
            version_from_row,
            "model version",
            label,
        )
    }

    /// Every version of every model, by name then version.
    pub fn model_versions(&self) -> Result<Vec<ModelVersionRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id \
                 ORDER BY m.name, v.version"
            ),
            [],
            version_from_row,
        )
    }

    /// Points `alias` of the version's model at it (moving it from another version).
    pub fn set_model_alias(
        &self,
        version: ModelVersionId,
        alias: &str,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT INTO model_aliases (model_id, alias, version_id) \
                 SELECT model_id, ?2, id FROM model_versions WHERE id = ?1 \
                 ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id",
                rusqlite::params![version, alias],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// A model with no versions yet; a name in use is [`ProjectError::NameTaken`].
    pub fn create_model(&self, name: &str, description: &str) -> Result<ModelRecord, ProjectError> {
        let inserted = self.conn.execute(
            "INSERT INTO models (name, description) VALUES (?1, ?2)",
            rusqlite::params![name, description],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ProjectError::NameTaken {
                    kind: "registered model",
                    name: name.to_string(),
                });
            }
            other => other.map_err(|e| self.db_error(e))?,
        };
        self.model(name)
    }

    pub fn model(&self, name: &str) -> Result<ModelRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {} FROM models WHERE name = ?1", model_columns()),
            [name],
            model_from_row,
            "registered model",
            name,
        )
    }

    /// Models whose name matches `name_like` (LIKE, any case), by name.
    pub fn search_models(
        &self,
        name_like: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ModelRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {} FROM models WHERE (?1 IS NULL OR name LIKE ?1 ESCAPE '\\') \
                 ORDER BY name LIMIT ?2 OFFSET ?3",
                model_columns()
            ),
            rusqlite::params![name_like, limit as i64, offset as i64],
            model_from_row,
        )
    }

    pub fn set_model_description(&self, name: &str, description: &str) -> Result<(), ProjectError> {
        let changed = self
            .conn
            .execute(
                "UPDATE models SET description = ?2 WHERE name = ?1",
                rusqlite::params![name, description],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "registered model",
                key: name.to_string(),
            });
        }
        Ok(())
    }

    pub fn rename_model(&self, name: &str, new_name: &str) -> Result<(), ProjectError> {
        let renamed = self.conn.execute(
            "UPDATE models SET name = ?2 WHERE name = ?1",
            rusqlite::params![name, new_name],
        );
        match renamed {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(ProjectError::NameTaken {
                    kind: "registered model",
                    name: new_name.to_string(),
                })
            }
            Ok(0) => Err(ProjectError::NotFound {
                kind: "registered model",
                key: name.to_string(),
            }),
            other => other.map(|_| ()).map_err(|e| self.db_error(e)),
        }
    }

    /// Removes a model's record with its versions and aliases (their files stay).
    pub fn delete_model(&self, name: &str) -> Result<(), ProjectError> {
        self.conn
            .execute("DELETE FROM models WHERE name = ?1", [name])
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn delete_model_version(&self, id: ModelVersionId) -> Result<(), ProjectError> {
        self.conn
            .execute("DELETE FROM model_versions WHERE id = ?1", [id])
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn set_version_description(
        &self,
        id: ModelVersionId,
        description: &str,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "UPDATE model_versions SET description = ?2 WHERE id = ?1",
                rusqlite::params![id, description],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The versions of one model, newest first.
    pub fn versions_of(&self, model: &str) -> Result<Vec<ModelVersionRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id \
                 WHERE m.name = ?1 ORDER BY v.version DESC"
            ),
            [model],
            version_from_row,
        )
    }

    /// Records an MLflow model's files as the next version of `model`
    /// (creating the model on its first version): `package_dir` is where
    /// they are, relative to the project root.
    pub fn insert_mlflow_model_version(
        &self,
        model: &str,
        run_id: Option<RunId>,
        source: &str,
        description: &str,
        package_dir: &str,
    ) -> Result<ModelVersionRecord, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO models (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [model],
            )
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO model_versions (model_id, version, run_id, source, description, package_dir, \
                 manifest_sha256, format) \
                 SELECT id, (SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE model_id = models.id), \
                 ?2, ?3, ?4, ?5, '', ?6 FROM models WHERE name = ?1",
                rusqlite::params![
                    model,
                    run_id,
                    source,
                    description,
                    package_dir,
                    VersionFormat::Mlflow.column()
                ],
            )
            .map_err(|e| self.db_error(e))?;
        let id = ModelVersionId(self.conn.last_insert_rowid());
        tx.commit().map_err(|e| self.db_error(e))?;
        self.model_version_by_id(id)
    }

    /// Removes an alias; false when the model has no such alias.
    pub fn delete_model_alias(&self, model: &str, alias: &str) -> Result<bool, ProjectError> {
        let changed = self
            .conn
            .execute(
                "DELETE FROM model_aliases WHERE alias = ?2 AND model_id = (SELECT id FROM models WHERE name = ?1)",
                rusqlite::params![model, alias],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(changed > 0)
    }

    pub fn insert_storage_target(
        &self,
        name: &str,
        config_json: &str,
    ) -> Result<StorageTargetRecord, ProjectError> {
        let inserted = self.conn.execute(
            "INSERT INTO storage_targets (name, config_json) VALUES (?1, ?2)",
            [name, config_json],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ProjectError::NameTaken {
                    kind: "storage target",
                    name: name.to_string(),
                });
            }
            other => other.map_err(|e| self.db_error(e))?,
        };
        self.storage_target(name)
    }

    pub fn storage_target(&self, name: &str) -> Result<StorageTargetRecord, ProjectError> {
        self.query_one(
            "SELECT id, name, config_json, created_at FROM storage_targets WHERE name = ?1",
            [name],
            storage_target_from_row,
            "storage target",
            name,
        )
    }

    pub fn storage_targets(&self) -> Result<Vec<StorageTargetRecord>, ProjectError> {
        self.query_all(
            "SELECT id, name, config_json, created_at FROM storage_targets ORDER BY name",
            [],
            storage_target_from_row,
        )
    }

    /// Records that a version is published at `location` on a target (once: again is a no-op).
    pub fn record_publication(
        &self,
        version: ModelVersionId,
        target: StorageTargetId,
        location: &str,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT INTO publications (version_id, target_id, location) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (version_id, target_id) DO NOTHING",
                rusqlite::params![version, target, location],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn publications(
        &self,
        version: ModelVersionId,
    ) -> Result<Vec<PublicationRecord>, ProjectError> {
        self.query_all(
            "SELECT p.version_id, t.name, p.location, p.published_at FROM publications p \
             JOIN storage_targets t ON t.id = p.target_id WHERE p.version_id = ?1 ORDER BY p.published_at",
            [version],
            |row| {
                Ok(PublicationRecord {
                    version_id: row.get(0)?,
                    target: row.get(1)?,
                    location: row.get(2)?,
                    published_at: row.get(3)?,
                })
            },
        )
    }
}
