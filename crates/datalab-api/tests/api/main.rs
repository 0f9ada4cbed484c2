//! The API in-process, as the transports call it: one test binary, a module
//! per area, one shared helper.

mod common;
mod datasets;
mod experiments;
mod jobs;
mod serving;
mod tidy;
mod typescript;
