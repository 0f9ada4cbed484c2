//! An S3-compatible server for tests: s3s-fs on loopback, with credentials,
//! killed when dropped. Tests that need one fail, never skip, when s3s-fs is
//! missing (`scripts/test.sh` installs it). Only with the `test-server` feature.

use crate::{Credentials, StorageConfig};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "datalab-test";
pub const SECRET_KEY: &str = "datalab-test-secret-0123456789";

/// The s3s-fs binary: `DATALAB_S3S_FS`, or `s3s-fs` on the PATH.
pub fn s3s_fs() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("DATALAB_S3S_FS") {
        return Ok(path.into());
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("s3s-fs"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "s3s-fs is not installed: scripts/test.sh installs it \
             (cargo install s3s-fs --version 0.14.1 --locked --features binary)"
                .to_string()
        })
}

/// An s3s-fs server on loopback, killed when dropped.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    pub port: u16,
    pub data: PathBuf,
}

impl S3Server {
    /// Starts on `port` (or a free one), keeping objects under `data`.
    pub fn start(data: &Path, port: Option<u16>) -> Result<S3Server, Box<dyn std::error::Error>> {
        let port = match port {
            Some(p) => p,
            None => TcpListener::bind("127.0.0.1:0")?.local_addr()?.port(),
        };
        std::fs::create_dir_all(data)?;
        let child = Command::new(s3s_fs()?)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("s3s-fs did not start listening".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(S3Server {
            child,
            port,
            data: data.to_path_buf(),
        })
    }

    /// Creates a bucket (a top-level folder of the data directory).
    pub fn create_bucket(&self, bucket: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(self.data.join(bucket))
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A target configuration for `bucket` on this server, under prefix `lab`.
    pub fn config(&self, bucket: &str) -> StorageConfig {
        StorageConfig::S3 {
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            bucket: bucket.into(),
            prefix: "lab".into(),
            path_style: true,
        }
    }

    pub fn credentials(secret: &str) -> Credentials {
        Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: secret.into(),
            session_token: None,
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.kill();
    }
}
