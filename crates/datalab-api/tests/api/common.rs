//! What the API tests share: a demo project made through the API, a place
//! to collect events, and the repository's files found at run time.

use datalab_api::{Event, EventSink, JobContext, Project, create_demo};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A file of the repository (found through the `CARGO_MANIFEST_DIR` cargo
/// sets when it runs the test, never the one compiled in).
pub fn repo(path: &str) -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../..")
        .join(path)
}

/// Events heard, in order.
#[derive(Debug, Default)]
pub struct Heard(pub Mutex<Vec<Event>>);

impl EventSink for Heard {
    fn emit(&self, event: Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event);
        }
    }
}

impl Heard {
    pub fn taken(&self) -> Vec<Event> {
        self.0
            .lock()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default()
    }
}

/// The demo project in a temporary folder (kept as long as the folder).
pub fn demo() -> Result<(tempfile::TempDir, Project), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let cancel = AtomicBool::new(false);
    let (project, _) = create_demo(
        &dir.path().join("lab"),
        &JobContext::new(&datalab_api::NoEvents, &cancel),
    )?;
    Ok((dir, project))
}
