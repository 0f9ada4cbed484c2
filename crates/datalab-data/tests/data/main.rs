//! Datasets from real files: imports (formats, dialects, malformed input)
//! and exploring snapshots (pages, profiles, SQL); one test binary.

mod explore;
mod hostile;
mod import;
