//! `datalab-serve`: serves one model package over HTTP, from a folder or
//! fetched from object storage at start: the binary of the serving
//! container (packaging/Dockerfile). Without a project, polars or the UI.
//!
//!   datalab-serve --package DIR
//!   datalab-serve NAME[:VERSION] --bucket B [--endpoint URL --path-style] [--prefix P]

use clap::Parser;
use datalab_serving::source::{self, ServeCommand};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = ServeCommand::parse();
    let storage = args.storage.clone();
    let (package, model) = (args.package.clone(), args.model.clone());
    let load = move || {
        let loaded = source::load(package.as_deref(), model.as_deref(), &storage)?;
        eprintln!(
            "ready: {}:{} ({})",
            loaded.name(),
            loaded.version(),
            loaded.manifest.algorithm
        );
        Ok(loaded)
    };
    match datalab_serving::serve_until_signal(args.host, args.port, load, |url| {
        println!("listening on {url}");
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            // The codes of `datalab`: 7 storage refused, 8 a package that fails its checks.
            ExitCode::from(match &error {
                datalab_serving::ServingError::Storage(
                    datalab_publish::PublishError::Tampered { .. }
                    | datalab_publish::PublishError::Manifest(_),
                )
                | datalab_serving::ServingError::Unreadable(_) => 8,
                datalab_serving::ServingError::Storage(_) => 7,
                datalab_serving::ServingError::NotFound(_) => 4,
                datalab_serving::ServingError::Invalid(_) => 3,
                datalab_serving::ServingError::Server(_) => 1,
            })
        }
    }
}
