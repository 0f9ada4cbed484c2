//! The project database: its migrations from old releases, its locks, and
//! the runs table's queries; one test binary, a module per area.

mod migrations;
mod runs;
mod tracking;
