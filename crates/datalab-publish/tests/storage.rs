//! Publishing against real storage: a folder, and an S3-compatible server
//! (s3s-fs, which checks SigV4 credentials and keeps data on disk) started
//! on loopback by each test. Without s3s-fs these tests fail, never skip:
//! `scripts/test.sh` installs it.

use datalab_publish::package::{InputField, Manifest, write_package};
use datalab_publish::storage::Target;
use datalab_publish::test_server::{S3Server, SECRET_KEY};
use datalab_publish::transfer::{fetch, list_published, publish};
use datalab_publish::{Credentials, PublishError, StorageConfig};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn credentials(secret: &str) -> Option<Credentials> {
    Some(S3Server::credentials(secret))
}

const SECRET: &str = SECRET_KEY;

fn manifest(name: &str, version: u32) -> Manifest {
    Manifest {
        format: String::new(),
        kind: Default::default(),
        flavors: Vec::new(),
        name: name.into(),
        version,
        algorithm: "decision_tree".into(),
        parameters: serde_json::json!({ "max_depth": 3 }),
        task: "classification".into(),
        target: Some("species".into()),
        input_schema: vec![InputField {
            name: "petal_length".into(),
            kind: "number".into(),
        }],
        classes: Some(vec!["a".into(), "b".into()]),
        metrics: serde_json::json!({ "accuracy": { "mean": 0.9, "std": 0.01 } }),
        dataset_sha256: "abc".into(),
        run_id: Some(1),
        experiment_id: Some(1),
        engine_version: "test".into(),
        created_at: "2026-11-29T00:00:00Z".into(),
        files: Vec::new(),
    }
}

/// A package whose model.bin has `bytes` bytes (more than a part: uploaded in parts).
fn package(
    dir: &Path,
    name: &str,
    version: u32,
    bytes: usize,
    seed: u8,
) -> Result<(), PublishError> {
    let model: Vec<u8> = (0..bytes)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    write_package(
        dir,
        manifest(name, version),
        &[
            ("model.bin".into(), model),
            ("MODEL_CARD.md".into(), b"# card\n".to_vec()),
            ("evaluation/metrics.json".into(), b"{}".to_vec()),
        ],
    )?;
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => panic!("no runtime: {e}"),
    }
}

fn never(_: u64, _: u64) {}

#[test]
fn a_package_goes_up_whole_comes_back_checked_and_is_never_overwritten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = S3Server::start(&dir.path().join("s3"), None)?;
    server.create_bucket("models-bucket")?;
    let target = Target::open("s3", &server.config("models-bucket"), credentials(SECRET))?;
    let rt = runtime();
    let cancel = AtomicBool::new(false);

    // 40 MiB: three parts of 16 MiB.
    let local = dir.path().join("pkg");
    package(&local, "iris", 1, 40 * 1024 * 1024, 1)?;
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| {
        if let Ok(mut s) = seen.lock() {
            s.push((done, total));
        }
    };
    let outcome = rt.block_on(publish(&target, &local, &progress, &cancel))?;
    assert!(!outcome.already_published);
    assert_eq!(outcome.location, "s3://models-bucket/lab/models/iris/1/");
    let seen = seen.into_inner().unwrap_or_default();
    assert!(seen.len() >= 3, "{seen:?}");
    assert_eq!(seen.last().map(|s| s.0), seen.last().map(|s| s.1));

    let listed = rt.block_on(list_published(&target))?;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].version), ("iris", 1));

    // The same package again: recognised, nothing uploaded.
    let again = rt.block_on(publish(&target, &local, &never, &cancel))?;
    assert!(again.already_published);
    assert_eq!(again.bytes_uploaded, 0);

    // A different package under the same version: refused, the first one kept.
    let other = dir.path().join("other");
    package(&other, "iris", 1, 1000, 2)?;
    let refused = rt.block_on(publish(&target, &other, &never, &cancel));
    assert!(
        matches!(refused, Err(PublishError::VersionExists { .. })),
        "{refused:?}"
    );

    // Fetched back, every file equal.
    let fetched = dir.path().join("fetched/iris/1");
    rt.block_on(fetch(&target, "iris", 1, &fetched, &AtomicBool::new(false)))?;
    for file in [
        "model.bin",
        "MODEL_CARD.md",
        "evaluation/metrics.json",
        "model.json",
    ] {
        assert_eq!(
            std::fs::read(local.join(file))?,
            std::fs::read(fetched.join(file))?,
            "{file}"
        );
    }

    // A file altered in storage: refused, naming it, and nothing kept.
    let stored = server
        .data
        .join("models-bucket/lab/models/iris/1/MODEL_CARD.md");
    std::fs::write(&stored, b"# a card someone changed\n")?;
    let tampered_dest = dir.path().join("tampered/iris/1");
    let tampered = rt.block_on(fetch(
        &target,
        "iris",
        1,
        &tampered_dest,
        &AtomicBool::new(false),
    ));
    match tampered {
        Err(PublishError::Tampered { file, .. }) => assert_eq!(file, "MODEL_CARD.md"),
        other => panic!("expected a tampered file, got {other:?}"),
    }
    assert!(!tampered_dest.exists());
    assert!(!dir.path().join("tampered/.1.partial").exists());
    Ok(())
}

#[test]
fn wrong_credentials_missing_bucket_and_no_server_say_so_and_publish_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = S3Server::start(&dir.path().join("s3"), None)?;
    server.create_bucket("models-bucket")?;
    let rt = runtime();
    let cancel = AtomicBool::new(false);
    let local = dir.path().join("pkg");
    package(&local, "iris", 1, 1000, 1)?;

    let wrong = Target::open(
        "s3",
        &server.config("models-bucket"),
        credentials("not-the-secret"),
    )?;
    let error = rt.block_on(publish(&wrong, &local, &never, &cancel));
    assert!(
        matches!(error, Err(PublishError::Credentials { .. })),
        "{error:?}"
    );
    let message = error.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("AWS_SECRET_ACCESS_KEY"), "{message}");
    assert!(!message.contains("not-the-secret"), "{message}");

    let no_bucket = Target::open("s3", &server.config("nope"), credentials(SECRET))?;
    let error = rt.block_on(publish(&no_bucket, &local, &never, &cancel));
    assert!(
        matches!(error, Err(PublishError::NoBucket { .. })),
        "{error:?}"
    );

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let nowhere = StorageConfig::S3 {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        bucket: "models-bucket".into(),
        prefix: String::new(),
        path_style: true,
    };
    let started = Instant::now();
    let error = rt.block_on(publish(
        &Target::open("s3", &nowhere, credentials(SECRET))?,
        &local,
        &never,
        &cancel,
    ));
    assert!(
        matches!(error, Err(PublishError::Unreachable { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));

    assert!(matches!(
        Target::open("s3", &server.config("models-bucket"), None),
        Err(PublishError::MissingCredentials { .. })
    ));
    let good = Target::open("s3", &server.config("models-bucket"), credentials(SECRET))?;
    assert!(rt.block_on(list_published(&good))?.is_empty());
    Ok(())
}

#[test]
fn a_server_killed_mid_upload_leaves_no_version_and_publishing_again_works() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("s3");
    let mut server = S3Server::start(&data, None)?;
    let port = server.port;
    server.create_bucket("models-bucket")?;
    let config = server.config("models-bucket");
    let rt = runtime();
    let cancel = AtomicBool::new(false);
    let local = dir.path().join("pkg");
    package(&local, "big", 1, 100 * 1024 * 1024, 3)?;

    // Kill the server as soon as the first part has gone.
    let killer = std::sync::Mutex::new(Some(&mut server));
    let kill_after_first_part = |done: u64, _total: u64| {
        if done >= 16 * 1024 * 1024
            && let Ok(mut guard) = killer.lock()
            && let Some(s) = guard.take()
        {
            s.kill();
        }
    };
    let target = Target::open("s3", &config, credentials(SECRET))?;
    let failed = rt.block_on(publish(&target, &local, &kill_after_first_part, &cancel));
    assert!(failed.is_err(), "{failed:?}");
    let _ = killer.into_inner();

    let _restarted = S3Server::start(&data, Some(port))?;
    let target = Target::open("s3", &config, credentials(SECRET))?;
    assert!(
        rt.block_on(list_published(&target))?.is_empty(),
        "a half upload is not a version"
    );
    let outcome = rt.block_on(publish(&target, &local, &never, &cancel))?;
    assert!(!outcome.already_published);
    assert_eq!(rt.block_on(list_published(&target))?.len(), 1);
    let fetched = dir.path().join("fetched/big/1");
    rt.block_on(fetch(&target, "big", 1, &fetched, &AtomicBool::new(false)))?;
    assert_eq!(
        std::fs::read(local.join("model.bin"))?,
        std::fs::read(fetched.join("model.bin"))?
    );
    Ok(())
}

#[test]
fn a_folder_target_works_the_same_way() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = StorageConfig::Folder {
        path: dir.path().join("shared"),
    };
    let target = Target::open("folder", &config, None)?;
    let rt = runtime();
    let cancel = AtomicBool::new(false);
    let local = dir.path().join("pkg");
    package(&local, "iris", 2, 1000, 1)?;
    let outcome = rt.block_on(publish(&target, &local, &never, &cancel))?;
    assert!(dir.path().join("shared/models/iris/2/model.json").is_file());
    assert!(outcome.location.ends_with("models/iris/2"));
    assert!(
        rt.block_on(publish(&target, &local, &never, &cancel))?
            .already_published
    );
    let fetched = dir.path().join("fetched/iris/2");
    rt.block_on(fetch(&target, "iris", 2, &fetched, &AtomicBool::new(false)))?;
    assert!(fetched.join("evaluation/metrics.json").is_file());

    // Cancelled before anything went up: no version.
    let cancelled_pkg = dir.path().join("pkg3");
    package(&cancelled_pkg, "iris", 3, 1000, 1)?;
    let cancel = AtomicBool::new(true);
    let cancelled = rt.block_on(publish(&target, &cancelled_pkg, &never, &cancel));
    assert!(matches!(cancelled, Err(PublishError::Cancelled)));
    assert_eq!(rt.block_on(list_published(&target))?.len(), 1);
    Ok(())
}

/// Two files for a bundle in `dir`: one of `big` bytes (sent in parts), one small.
fn bundle_files(
    dir: &Path,
    big: usize,
) -> Result<Vec<datalab_publish::bundles::BundleFile>, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    for (path, bytes) in [
        ("datasets/snapshot.parquet", big),
        ("runs/1/model.json", 300),
    ] {
        let local = dir.join(path.replace('/', "_"));
        let content: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
        std::fs::write(&local, &content)?;
        files.push(datalab_publish::bundles::BundleFile {
            local,
            file: datalab_publish::PackageFile {
                path: path.into(),
                sha256: datalab_publish::package::sha256_hex(&content),
                bytes: bytes as u64,
            },
        });
    }
    Ok(files)
}

#[test]
fn a_bundle_push_killed_midway_shows_no_bundle_and_the_next_push_sends_only_what_is_missing()
-> TestResult {
    use datalab_publish::bundles::{
        fetch_bundle_file, list_bundles, push_bundle, read_bundle_index,
    };
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("s3");
    let mut server = S3Server::start(&data, None)?;
    let port = server.port;
    server.create_bucket("lab")?;
    let config = server.config("lab");
    let rt = runtime();
    let cancel = AtomicBool::new(false);
    let files = bundle_files(&dir.path().join("files"), 40 * 1024 * 1024)?;
    let index = br#"{"format":1}"#;

    // The server dies after the first part of the big file.
    let killer = std::sync::Mutex::new(Some(&mut server));
    let kill_after_first_part = |done: u64, _total: u64| {
        if done >= 16 * 1024 * 1024
            && let Ok(mut guard) = killer.lock()
            && let Some(s) = guard.take()
        {
            s.kill();
        }
    };
    let target = Target::open("s3", &config, credentials(SECRET))?;
    let failed = rt.block_on(push_bundle(
        &target,
        "iris",
        &files,
        index,
        &kill_after_first_part,
        &cancel,
    ));
    assert!(failed.is_err(), "{failed:?}");
    let _ = killer.into_inner();

    let _restarted = S3Server::start(&data, Some(port))?;
    let target = Target::open("s3", &config, credentials(SECRET))?;
    assert!(matches!(
        rt.block_on(read_bundle_index(&target, "iris")),
        Err(PublishError::NoBundle { .. })
    ));
    assert!(rt.block_on(list_bundles(&target))?.is_empty());

    let pushed = rt.block_on(push_bundle(&target, "iris", &files, index, &never, &cancel))?;
    assert_eq!(pushed.files_sent + pushed.files_present, 2);
    assert_eq!(
        rt.block_on(list_bundles(&target))?,
        vec!["iris".to_string()]
    );
    assert_eq!(rt.block_on(read_bundle_index(&target, "iris"))?, index);
    // Pushed again unchanged: nothing is sent, every file is counted as there.
    let again = rt.block_on(push_bundle(&target, "iris", &files, index, &never, &cancel))?;
    assert_eq!((again.files_sent, again.files_present), (0, 2));
    assert_eq!(again.bytes_present, 40 * 1024 * 1024 + 300);

    // A file comes back checked; one altered in storage is refused by its name.
    let back = dir.path().join("back/model.json");
    rt.block_on(fetch_bundle_file(&target, &files[1].file, &back, &cancel))?;
    assert_eq!(std::fs::read(&back)?, std::fs::read(&files[1].local)?);
    std::fs::write(
        data.join("lab/lab/blobs").join(&files[1].file.sha256),
        b"altered",
    )?;
    let tampered = rt.block_on(fetch_bundle_file(
        &target,
        &files[1].file,
        &dir.path().join("back/again.json"),
        &cancel,
    ));
    match tampered {
        Err(PublishError::Tampered { file, .. }) => assert_eq!(file, "runs/1/model.json"),
        other => panic!("an altered file was not refused: {other:?}"),
    }
    Ok(())
}
