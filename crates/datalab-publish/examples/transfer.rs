//! Upload and download throughput of a package through Data Lab's publish
//! and fetch, for `bench/s3.sh` (which runs boto3 beside it on the same server).
//!
//!   transfer ENDPOINT BUCKET SIZE_MIB WORKDIR     (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
//!
//! Prints one JSON line: bytes, upload and download seconds.

use datalab_publish::package::{Manifest, write_package};
use datalab_publish::storage::Target;
use datalab_publish::transfer::{fetch, publish};
use datalab_publish::{Credentials, StorageConfig};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, bucket, size, work] = args.as_slice() else {
        return Err("usage: transfer ENDPOINT BUCKET SIZE_MIB WORKDIR".into());
    };
    let bytes = size.parse::<usize>()? * 1024 * 1024;
    let work = PathBuf::from(work);
    // Bytes that do not compress: a xorshift stream.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut model = Vec::with_capacity(bytes);
    while model.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        model.extend_from_slice(&state.to_le_bytes());
    }
    model.truncate(bytes);
    let manifest = Manifest {
        format: String::new(),
        kind: Default::default(),
        flavors: Vec::new(),
        name: "bench".into(),
        version: 1,
        algorithm: "none".into(),
        parameters: serde_json::json!({}),
        task: "none".into(),
        target: None,
        input_schema: Vec::new(),
        classes: None,
        metrics: serde_json::json!({}),
        dataset_sha256: String::new(),
        run_id: None,
        experiment_id: None,
        engine_version: "bench".into(),
        created_at: String::new(),
        files: Vec::new(),
    };
    let package = work.join("package");
    write_package(&package, manifest, &[("model.bin".into(), model)])?;
    let config = StorageConfig::S3 {
        endpoint: Some(endpoint.clone()),
        region: "us-east-1".into(),
        bucket: bucket.clone(),
        prefix: "bench".into(),
        path_style: true,
    };
    let target = Target::open("bench", &config, Credentials::from_env())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    runtime.block_on(publish(&target, &package, &|_, _| {}, &cancel))?;
    let upload = started.elapsed().as_secs_f64();
    let started = Instant::now();
    runtime.block_on(fetch(
        &target,
        "bench",
        1,
        &work.join("fetched"),
        &AtomicBool::new(false),
    ))?;
    let download = started.elapsed().as_secs_f64();
    println!(r#"{{"bytes": {bytes}, "upload_s": {upload:.3}, "download_s": {download:.3}}}"#);
    Ok(())
}
