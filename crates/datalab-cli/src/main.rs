//! `datalab`: the command line. A thin transport over `datalab-api`: it parses
//! arguments into API requests, calls one API function per command, and
//! prints the response as a table or as JSON (`--json`).
//!
//! Exit codes: 0 success; 1 internal error; 2 usage error; 3 bad input file
//! or request; 4 not found; 5 project problem (none here, exists, newer
//! schema); 6 project locked by another process; 7 storage refused or
//! unreachable; 8 a package failed its integrity check; 9 a vendor service
//! cannot be used (secret missing, refused, unreachable); 10 the work ran and
//! failed (every run of a sweep); 130 interrupted (Ctrl-C, SIGTERM) or cancelled.

mod args;
mod output;
mod progress;
mod serve;
mod vendors;

use args::{
    BudgetCommand, Cli, Command, DatasetCommand, ExperimentCommand, HeadArgs, ImportArgs,
    ImportCommand, JobsCommand, ModelCommand, NoteCommand, NoteSubjectArgs, ReportCommand,
    RunsCommand, StorageCommand, TrackingCommand,
};
use clap::Parser;
use datalab_api::{
    self as api, ApiError, ColumnKind, ErrorCode, Filter, ImportOptions, ImportRequest,
    PreviewDatasetRequest, PreviewRequest, Project, QueryRequest, SortOrder, SourceFormat,
};
use std::process::ExitCode;

/// A reader that went away (`datalab … | head`) ends the command quietly, as
/// it ends Unix tools: exit 141 (128 + SIGPIPE), no message, no backtrace.
/// Rust ignores SIGPIPE, so `println!` to a closed pipe panics instead; the
/// panic hook turns that one panic back into the quiet exit.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let json = cli.json;
    let progress = progress::TerminalProgress::new(!json);
    let cancel = progress.cancel_flag();
    // The first Ctrl-C (or SIGTERM) asks the running operation to stop cleanly.
    let _ = ctrlc::set_handler(move || cancel.store(true, std::sync::atomic::Ordering::SeqCst));
    match run(cli, &progress) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            progress.finish();
            if json {
                let body = serde_json::json!({ "error": error });
                println!("{body}");
            } else {
                eprintln!("error: {}", error.message);
            }
            ExitCode::from(exit_code(error.code))
        }
    }
}

fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::BadInput
        | ErrorCode::InvalidRequest
        | ErrorCode::Query
        | ErrorCode::Forbidden => 3,
        ErrorCode::NotFound => 4,
        ErrorCode::NotAProject | ErrorCode::ProjectExists | ErrorCode::NewerSchema => 5,
        ErrorCode::NameTaken => 3,
        ErrorCode::Locked => 6,
        ErrorCode::Cancelled => 130,
        ErrorCode::Storage => 7,
        ErrorCode::Integrity => 8,
        ErrorCode::Vendor => 9,
        ErrorCode::Failed => 10,
        ErrorCode::Io | ErrorCode::Internal => 1,
    }
}

pub(crate) fn open(cli_project: &Option<std::path::PathBuf>) -> Result<Project, ApiError> {
    match cli_project {
        Some(dir) => api::open_project(dir),
        None => {
            let here = std::env::current_dir().map_err(|e| {
                ApiError::new(
                    ErrorCode::Io,
                    format!("cannot read the current folder: {e}"),
                )
            })?;
            api::discover_project(&here)
        }
    }
}

fn model(
    project: &Option<std::path::PathBuf>,
    command: ModelCommand,
    out: &output::Output,
    progress: &progress::TerminalProgress,
) -> Result<(), ApiError> {
    let project = open(project)?;
    match command {
        ModelCommand::Register {
            run,
            name,
            description,
            alias,
            logged_model,
        } => out.model(&api::register_model(
            &project,
            &api::RegisterModelRequest {
                run: api::RunId(run),
                name,
                description,
                alias,
                logged_model,
            },
        )?),
        ModelCommand::List => out.models(&api::list_models(&project)?),
        ModelCommand::Show { model } => out.model(&api::show_model(&project, &model)?),
        ModelCommand::Alias { model, alias } => {
            let info = api::set_model_alias(&project, &api::SetAliasRequest { model, alias })?;
            out.models(&[info])
        }
        ModelCommand::Publish { model, target } => {
            let outcome = api::publish_model(
                &project,
                &api::PublishRequest { model, target },
                &progress.jobs(),
            );
            progress.finish();
            out.published(&outcome?)
        }
        ModelCommand::Remote { target } => out.remote(&api::list_published(&project, &target)?),
        ModelCommand::Fetch { model, target } => {
            let (name, version, _) = api::parse_model_ref(&model)?;
            let version = version
                .ok_or_else(|| invalid(format!("name the version to fetch: {name}:VERSION")))?;
            let fetched = api::fetch_model(
                &project,
                &api::FetchRequest {
                    target,
                    name,
                    version,
                },
                &progress.jobs(),
            );
            progress.finish();
            out.model(&fetched?)
        }
    }
}

fn storage(
    project: &Option<std::path::PathBuf>,
    command: StorageCommand,
    out: &output::Output,
) -> Result<(), ApiError> {
    let project = open(project)?;
    match command {
        StorageCommand::Add {
            name,
            folder,
            bucket,
            endpoint,
            region,
            prefix,
            path_style,
        } => {
            let config = match (folder, bucket) {
                (Some(path), _) => {
                    let path = if path.is_absolute() {
                        path
                    } else {
                        std::env::current_dir()
                            .map(|here| here.join(&path))
                            .unwrap_or(path)
                    };
                    api::StorageConfig::Folder { path }
                }
                (None, Some(bucket)) => api::StorageConfig::S3 {
                    endpoint,
                    region,
                    bucket,
                    prefix,
                    path_style,
                },
                (None, None) => return Err(invalid("give --folder PATH or --bucket NAME".into())),
            };
            out.storage(&[api::add_storage(
                &project,
                &api::AddStorageRequest { name, config },
            )?])
        }
        StorageCommand::List => out.storage(&api::list_storage(&project)?),
        StorageCommand::Inventory { name } => {
            out.inventory(&api::storage_inventory(&project, &name)?)
        }
        StorageCommand::Test { name } => {
            let info = api::test_storage(&project, &name)?;
            if out.json {
                out.storage(&[info])
            } else {
                println!("Storage target '{}' works: {}", info.name, info.location);
                Ok(())
            }
        }
    }
}

/// The desktop app: `DATALAB_DESKTOP`, or `datalab-desktop` beside this binary.
fn desktop_binary() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("DATALAB_DESKTOP") {
        return Some(path.into());
    }
    let exe = std::env::current_exe().ok()?;
    let beside = exe.parent()?.join("datalab-desktop");
    beside.is_file().then_some(beside)
}

fn ui(
    project: &Option<std::path::PathBuf>,
    serve: bool,
    port: u16,
    allowed_dirs: Vec<std::path::PathBuf>,
    progress: &progress::TerminalProgress,
) -> Result<(), ApiError> {
    let root = open(project).ok().map(|p| p.root().to_path_buf());
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !serve {
        match (display, desktop_binary()) {
            (true, Some(app)) => {
                let mut command = std::process::Command::new(&app);
                command.args(root.iter());
                let status = command.status().map_err(|e| {
                    ApiError::new(
                        ErrorCode::Io,
                        format!("cannot start the desktop app {}: {e}", app.display()),
                    )
                })?;
                return if status.success() {
                    Ok(())
                } else {
                    Err(ApiError::new(
                        ErrorCode::Internal,
                        format!("the desktop app stopped: {status}"),
                    ))
                };
            }
            (true, None) => eprintln!(
                "The desktop app is not built (scripts/demo.sh builds it): serving the UI over HTTP instead."
            ),
            (false, _) => eprintln!("No display here: serving the UI over HTTP instead."),
        }
    }
    let io = |e: std::io::Error| {
        ApiError::new(ErrorCode::Io, format!("cannot start the UI server: {e}"))
    };
    let runtime = tokio::runtime::Runtime::new().map_err(io)?;
    let server = runtime
        .block_on(datalab_server::start(datalab_server::ServeOptions {
            port,
            project: root,
            allowed_dirs,
            // A UI folder being worked on, instead of the one built in.
            ui_dir: std::env::var_os("DATALAB_UI_DIR").map(std::path::PathBuf::from),
        }))
        .map_err(io)?;
    println!("Data Lab is serving on 127.0.0.1 only. Open this URL (it carries the token):");
    println!("    {}", server.url());
    println!(
        "Paths stay within: {} (--allow-dir adds a folder).",
        server
            .places()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("Press Ctrl-C to stop.");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let cancel = progress.cancel_flag();
    while !cancel.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    runtime.block_on(server.stop()).map_err(io)
}

/// `datalab tracking serve`: the MLflow tracking API on the project until Ctrl-C.
fn tracking_serve(
    project: &Option<std::path::PathBuf>,
    port: u16,
    no_auth: bool,
    progress: &progress::TerminalProgress,
) -> Result<(), ApiError> {
    let root = open(project)?.root().to_path_buf();
    let auth = if no_auth {
        datalab_tracking::Auth::None
    } else {
        match std::env::var("MLFLOW_TRACKING_TOKEN") {
            Ok(token) if !token.trim().is_empty() => {
                datalab_tracking::Auth::Token(token.trim().to_string())
            }
            _ => datalab_tracking::Auth::Token(
                datalab_tracking::new_token()
                    .map_err(|e| ApiError::new(ErrorCode::Io, format!("no random token: {e}")))?,
            ),
        }
    };
    let token_from_env =
        !no_auth && std::env::var("MLFLOW_TRACKING_TOKEN").is_ok_and(|t| !t.trim().is_empty());
    let io = |e: std::io::Error| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(" (port {port} is taken: pass --port with another, or 0 for any free one)")
        } else {
            String::new()
        };
        ApiError::new(
            ErrorCode::Io,
            format!("cannot start the tracking server: {e}{hint}"),
        )
    };
    let runtime = tokio::runtime::Runtime::new().map_err(io)?;
    let server = runtime
        .block_on(datalab_tracking::start(datalab_tracking::TrackingOptions {
            project: root.clone(),
            port,
            auth,
        }))
        .map_err(io)?;
    println!(
        "Data Lab's MLflow tracking server for {} is listening on 127.0.0.1 only.",
        root.display()
    );
    println!("In the notebook's or script's environment:");
    println!("    export MLFLOW_TRACKING_URI={}", server.uri());
    match (&server.token, token_from_env) {
        (Some(_), true) => {
            println!("    (MLFLOW_TRACKING_TOKEN: the one already in this environment)")
        }
        (Some(token), false) => println!("    export MLFLOW_TRACKING_TOKEN={token}"),
        (None, _) => println!("    (no token needed: --no-auth)"),
    }
    println!("Press Ctrl-C to stop.");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let cancel = progress.cancel_flag();
    while !cancel.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    runtime.block_on(server.stop()).map_err(io)
}

/// One operation of the API list, by name, JSON in and out: the transport
/// the server and the desktop app use, from a terminal.
fn call(
    project: &Option<std::path::PathBuf>,
    operation: &str,
    request: &str,
    progress: &progress::TerminalProgress,
) -> Result<(), ApiError> {
    if operation == "list" {
        for name in api::ops::OPERATIONS {
            println!("{name}");
        }
        return Ok(());
    }
    let request: serde_json::Value = serde_json::from_str(request)
        .map_err(|e| invalid(format!("the request is not JSON: {e}")))?;
    let root = open(project).ok().map(|p| p.root().to_path_buf());
    let session = api::ops::Session::new(root);
    let cancel = progress.cancel_flag();
    let served = api::serving::ServedModels::default();
    let tracking = api::tracking::TrackingService::default();
    let context = api::ops::CallContext {
        session: &session,
        events: &api::NoEvents,
        cancel: cancel.as_ref(),
        job: None,
        served: &served,
        tracking: &tracking,
    };
    let response = api::ops::call(operation, request, &context)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&response).unwrap_or_default()
    );
    Ok(())
}

/// Reads and parses a spec file; errors name the file (and the line, from the parser).
fn read_spec(path: &std::path::Path) -> Result<api::ExperimentSpec, ApiError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ApiError::new(
            ErrorCode::BadInput,
            format!("{}: cannot read it: {e}", path.display()),
        )
    })?;
    api::parse_spec(&text).map_err(|e| ApiError {
        message: format!("{}: {}", path.display(), e.message),
        ..e
    })
}

fn run(cli: Cli, progress: &progress::TerminalProgress) -> Result<(), ApiError> {
    let out = output::Output { json: cli.json };
    match cli.command {
        Command::Init { dir } => {
            let (_, summary) = api::init_project(&dir)?;
            out.project_created(&summary)
        }
        Command::Demo { dir } => {
            let made = api::create_demo(&dir, &progress.jobs());
            progress.finish();
            let (project, outcome) = made?;
            out.demo(&project, &outcome)
        }
        Command::Run {
            spec,
            experiment,
            parallelism,
        } => {
            let project = open(&cli.project)?;
            let outcome = match (experiment, spec) {
                (Some(id), _) => api::run_queued(
                    &project,
                    api::ExperimentId(id),
                    parallelism,
                    &progress.jobs(),
                )?,
                (None, Some(path)) => {
                    let spec = read_spec(&path)?;
                    if !spec.datasets.is_empty() {
                        let study = api::run_study(&project, &spec, parallelism, &progress.jobs())?;
                        out.study_outcome(&study)?;
                        if progress.interrupted() {
                            return Err(ApiError::new(
                                ErrorCode::Cancelled,
                                "interrupted: `datalab run --experiment ID` resumes each dataset's experiment",
                            ));
                        }
                        return Ok(());
                    }
                    if let Some((id, unfinished)) = api::resumable_experiment(&project, &spec)? {
                        eprintln!(
                            "note: experiment {id} has this spec with {unfinished} runs not finished; \
                             `datalab run --experiment {id}` resumes it. Starting a new experiment."
                        );
                    }
                    api::run_experiment(&project, &spec, parallelism, &progress.jobs())?
                }
                (None, None) => return Err(invalid("give a spec file or --experiment ID".into())),
            };
            out.experiment_outcome(&outcome)?;
            if progress.interrupted() {
                return Err(ApiError::new(
                    ErrorCode::Cancelled,
                    format!(
                        "interrupted: `datalab run --experiment {}` resumes it",
                        outcome.experiment_id
                    ),
                ));
            }
            match api::every_run_failed(&outcome) {
                Some(error) => Err(error),
                None => Ok(()),
            }
        }
        Command::Jobs(JobsCommand::List { limit }) => {
            let project = open(&cli.project)?;
            out.jobs(&api::jobs::list_jobs(
                &project,
                &api::jobs::ListJobsRequest { limit: Some(limit) },
            )?)
        }
        Command::Note(command) => {
            let project = open(&cli.project)?;
            match command {
                NoteCommand::Add { subject, text } => {
                    let subject = note_subject(&project, &subject)?;
                    let note = api::add_note(
                        &project,
                        &api::AddNoteRequest {
                            subject,
                            body: text,
                        },
                    )?;
                    out.notes(&[note])
                }
                NoteCommand::List { subject } => {
                    let subject = note_subject(&project, &subject)?;
                    out.notes(&api::list_notes(&project, subject)?)
                }
                NoteCommand::Edit { id, text } => {
                    let note = api::edit_note(
                        &project,
                        &api::EditNoteRequest {
                            note: id,
                            body: text,
                        },
                    )?;
                    out.notes(&[note])
                }
                NoteCommand::Delete { id } => api::delete_note(&project, id),
            }
        }
        Command::Report(ReportCommand::Experiment { id, out: copy }) => {
            let project = open(&cli.project)?;
            let report = api::write_report(
                &project,
                &api::ReportRequest {
                    experiment: api::ExperimentId(id),
                },
                &progress.jobs(),
            );
            progress.finish();
            let report = report?;
            if let Some(copy) = &copy {
                std::fs::write(copy, &report.html)
                    .map_err(|e| ApiError::io(format!("cannot write {}: {e}", copy.display())))?;
            }
            out.report(&report, copy.as_deref())
        }
        Command::Ledger { daily } => {
            let project = open(&cli.project)?;
            out.ledger(&api::ledger(&project)?, daily)
        }
        Command::Budget(command) => {
            let project = open(&cli.project)?;
            match command {
                BudgetCommand::Set {
                    vendor,
                    monthly_limit,
                    ..
                } => {
                    let info = api::set_budget(
                        &project,
                        &api::SetBudgetRequest {
                            vendor,
                            monthly_limit,
                        },
                    )?;
                    out.budgets(&[info])
                }
                BudgetCommand::List => out.budgets(&api::list_budgets(&project)?),
                BudgetCommand::Remove { vendor, .. } => {
                    api::remove_budget(&project, &api::RemoveBudgetRequest { vendor })
                }
            }
        }
        Command::Journal { limit } => {
            let project = open(&cli.project)?;
            out.journal(&api::journal(
                &project,
                &api::JournalRequest {
                    before: None,
                    limit: Some(limit),
                },
            )?)
        }
        Command::Jobs(JobsCommand::Cancel { id }) => {
            let project = open(&cli.project)?;
            let id = api::JobId::parse(&id).map_err(invalid)?;
            let job = api::jobs::cancel_job(&project, &id)?;
            out.jobs(&[job])
        }
        Command::Experiment(command) => {
            let project = open(&cli.project)?;
            match command {
                ExperimentCommand::Create { spec } => {
                    let spec = read_spec(&spec)?;
                    out.experiment(&api::create_experiment(&project, &spec)?)
                }
                ExperimentCommand::List => out.experiments(&api::list_experiments(&project)?),
                ExperimentCommand::Show { id } => {
                    out.experiment(&api::show_experiment(&project, api::ExperimentId(id))?)
                }
                ExperimentCommand::Export { id } => {
                    let detail = api::show_experiment(&project, api::ExperimentId(id))?;
                    print!("{}", detail.experiment.spec_toml);
                    Ok(())
                }
                ExperimentCommand::Push { id, target, name } => {
                    let request = api::PushRequest {
                        experiment: api::ExperimentId(id),
                        target,
                        name,
                    };
                    let outcome = api::push_experiment(&project, &request, &progress.jobs());
                    progress.finish();
                    out.pushed(&outcome?)
                }
                ExperimentCommand::Pull {
                    name,
                    target,
                    as_name,
                } => {
                    let request = api::PullRequest {
                        name,
                        target,
                        as_name,
                    };
                    let outcome = api::pull_experiment(&project, &request, &progress.jobs());
                    progress.finish();
                    out.pulled(&outcome?)
                }
                ExperimentCommand::Bundles { target } => {
                    out.bundles(&api::list_bundles(&project, &target)?)
                }
                ExperimentCommand::Reproduce { id } => {
                    let report = api::reproduce_experiment(
                        &project,
                        api::ExperimentId(id),
                        &progress.jobs(),
                    );
                    progress.finish();
                    let report = report?;
                    out.reproduced(&report)?;
                    if report.different > 0 {
                        return Err(ApiError::new(
                            ErrorCode::Failed,
                            format!(
                                "{} of {} runs of experiment {id} did not come out identical (see above)",
                                report.different,
                                report.runs.len()
                            ),
                        ));
                    }
                    Ok(())
                }
            }
        }
        Command::Model(command) => model(&cli.project, command, &out, progress),
        Command::Storage(command) => storage(&cli.project, command, &out),
        Command::Serve(args) => serve::serve(&cli.project, *args),
        Command::Vendor(command) => vendors::vendor(&open(&cli.project)?, command, &out),
        Command::Evaluate {
            vendor,
            experiment,
            spend_cap,
        } => vendors::evaluate(
            &open(&cli.project)?,
            &api::EvaluateRequest {
                vendor,
                experiment: api::ExperimentId(experiment),
                spend_cap,
            },
            &out,
            progress,
        ),
        Command::Evaluations(command) => vendors::evaluations(&open(&cli.project)?, command, &out),
        Command::Compare {
            experiment,
            datasets,
        } => match (experiment, datasets) {
            (_, Some(study)) => {
                out.dataset_comparison(&api::compare_datasets(&open(&cli.project)?, &study)?)
            }
            (Some(experiment), None) => vendors::compare(&open(&cli.project)?, experiment, &out),
            (None, None) => Err(invalid("give an experiment, or --datasets STUDY".into())),
        },
        Command::Agreements(args) => vendors::agreements(&open(&cli.project)?, args, &out),
        Command::Ui {
            serve,
            port,
            allow_dir,
        } => ui(&cli.project, serve, port, allow_dir, progress),
        Command::Call { operation, request } => call(&cli.project, &operation, &request, progress),
        Command::Import(ImportCommand::Mlflow { from, experiment }) => {
            let project = open(&cli.project)?;
            let jobs = progress.jobs();
            let outcome = api::tracking::import_mlflow(
                &project,
                &api::tracking::ImportMlflowRequest {
                    from,
                    experiments: experiment,
                },
                &jobs,
            )?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "experiments": outcome.experiments,
                        "runs": outcome.runs,
                        "skipped": outcome.skipped,
                        "params": outcome.params,
                        "metric_points": outcome.metric_points,
                        "artifacts": outcome.artifacts,
                        "artifact_bytes": outcome.artifact_bytes,
                    })
                );
            } else {
                println!(
                    "Imported {} runs into {} experiments ({} params, {} metric points, {} artifacts, {} bytes); {} already here, skipped.",
                    outcome.runs,
                    outcome.experiments,
                    outcome.params,
                    outcome.metric_points,
                    outcome.artifacts,
                    outcome.artifact_bytes,
                    outcome.skipped
                );
            }
            Ok(())
        }
        Command::Tracking(TrackingCommand::Serve { port, no_auth }) => {
            tracking_serve(&cli.project, port, no_auth, progress)
        }
        Command::Runs(RunsCommand::Log { id, follow }) => {
            let project = open(&cli.project)?;
            let mut offset = 0;
            loop {
                let log = api::runs::run_log(
                    &project,
                    &api::runs::RunLogRequest {
                        run: api::RunId(id),
                        offset,
                    },
                )?;
                print!("{}", log.text);
                let _ = std::io::Write::flush(&mut std::io::stdout());
                offset = log.next;
                if log.next < log.size {
                    continue;
                }
                if !follow
                    || !log.running
                    || progress
                        .cancel_flag()
                        .load(std::sync::atomic::Ordering::SeqCst)
                {
                    break Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
        }
        Command::Runs(RunsCommand::Show { id }) => {
            let project = open(&cli.project)?;
            out.run_detail(&api::show_run(&project, api::RunId(id))?)
        }
        Command::Runs(RunsCommand::Cancel { runs, experiment }) => {
            let project = open(&cli.project)?;
            let ids: Vec<api::RunId> = runs.into_iter().map(api::RunId).collect();
            let affected = api::cancel_runs(&project, experiment.map(api::ExperimentId), &ids)?;
            if cli.json {
                println!("{}", serde_json::json!({ "cancelled": affected }));
            } else {
                println!(
                    "Cancelled {affected} runs (running ones stop within a second or so, keeping their finished folds)."
                );
            }
            Ok(())
        }
        Command::Runs(RunsCommand::Compare { runs, metric }) => {
            let project = open(&cli.project)?;
            let ids: Vec<api::RunId> = runs.into_iter().map(api::RunId).collect();
            out.comparison(&api::compare_runs(&project, &ids, metric.as_deref())?)
        }
        Command::Runs(RunsCommand::List { experiment }) => {
            let project = open(&cli.project)?;
            out.runs(&api::list_runs(
                &project,
                experiment.map(api::ExperimentId),
            )?)
        }
        Command::Dataset(command) => {
            let project = open(&cli.project)?;
            match command {
                DatasetCommand::Import(args) => {
                    let request = import_request(args)?;
                    let outcome = api::import_dataset(&project, &request, &progress.jobs());
                    progress.finish();
                    out.imported(&outcome?)
                }
                DatasetCommand::List => out.datasets(&api::list_datasets(&project)?),
                DatasetCommand::Show { dataset } => {
                    out.dataset(&api::show_dataset(&project, &dataset)?)
                }
                DatasetCommand::Head(args) => {
                    let request = head_request(args)?;
                    out.page(
                        &api::preview_dataset(&project, &request)?,
                        request.page.offset,
                    )
                }
                DatasetCommand::Profile { dataset } => {
                    let profile = api::profile_dataset(&project, &dataset, &progress.jobs());
                    progress.finish();
                    out.profile(&dataset, &profile?)
                }
                DatasetCommand::Query { sql, limit } => {
                    let result = api::query_datasets(&project, &QueryRequest { sql, limit })?;
                    out.page(&result, 0)
                }
                DatasetCommand::Remove { dataset } => {
                    let removed = api::remove_dataset(&project, &dataset)?;
                    out.removed(&removed)
                }
            }
        }
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

fn import_request(args: ImportArgs) -> Result<ImportRequest, ApiError> {
    let format = match &args.format {
        None => None,
        Some(name) => Some(SourceFormat::from_name(name).ok_or_else(|| {
            invalid(format!(
                "unknown format '{name}': use csv, tsv, parquet, ndjson or json"
            ))
        })?),
    };
    let delimiter = match (&args.delimiter, &args.format) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(f)) if f.eq_ignore_ascii_case("tsv") => Some("\t".to_string()),
        _ => None,
    };
    let mut column_types = std::collections::BTreeMap::new();
    for spec in &args.types {
        let (column, kind) = spec.rsplit_once('=').ok_or_else(|| {
            invalid(format!(
                "--type takes COLUMN=KIND, as in --type age=integer; got '{spec}'"
            ))
        })?;
        let kind = ColumnKind::from_name(kind).ok_or_else(|| {
            invalid(format!(
                "unknown type '{kind}' in --type {spec}: use text, integer, float, boolean, date or datetime"
            ))
        })?;
        column_types.insert(column.to_string(), kind);
    }
    let has_header = match (args.header, args.no_header) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    Ok(ImportRequest {
        path: args.file,
        name: args.name,
        options: ImportOptions {
            format,
            delimiter,
            quote: args.quote,
            has_header,
            null_values: (!args.null_values.is_empty()).then_some(args.null_values),
            column_types,
            infer_schema_rows: args.infer_rows,
        },
    })
}

fn head_request(args: HeadArgs) -> Result<PreviewDatasetRequest, ApiError> {
    let filters = args
        .filters
        .iter()
        .map(|f| Filter::parse(f).map_err(ApiError::from))
        .collect::<Result<Vec<_>, _>>()?;
    let order = if args.desc {
        SortOrder::Descending
    } else {
        SortOrder::Ascending
    };
    Ok(PreviewDatasetRequest {
        dataset: args.dataset,
        page: PreviewRequest {
            offset: args.offset,
            limit: args.limit,
            sort: args.sort.map(|column| (column, order)),
            filters,
            filter_text: String::new(),
        },
    })
}

/// The subject the note flags name (none: the project).
fn note_subject(project: &Project, args: &NoteSubjectArgs) -> Result<api::NoteSubject, ApiError> {
    if let Some(id) = args.experiment {
        return Ok(api::NoteSubject::Experiment(api::ExperimentId(id)));
    }
    if let Some(id) = args.run {
        return Ok(api::NoteSubject::Run(api::RunId(id)));
    }
    if let Some(model) = &args.model {
        return api::version_subject(project, model);
    }
    Ok(api::NoteSubject::Project)
}
