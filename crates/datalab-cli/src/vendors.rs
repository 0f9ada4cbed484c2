//! The vendor commands: `vendor add|list|test|remove`, `evaluate`,
//! `evaluations list|show`, `compare` and `agreements`: arguments into API
//! requests, answers into tables (or JSON).

use crate::args::{AgreementArgs, EvaluationsCommand, ProtocolArg, VendorAddArgs, VendorCommand};
use crate::output::{Output, print_json, right, table};
use comfy_table::Cell;

use crate::progress::TerminalProgress;
use datalab_api::vendors::TestVendorRequest;
use datalab_api::{
    self as api, AddVendorRequest, Agreements, ApiError, Auth, CandidateComparison, Connector,
    ErrorCode, EvaluateRequest, EvaluationInfo, ExperimentId, Header, MlflowFormat, Pricing,
    Project, Protocol, SecretSource,
};

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

fn connector_of(args: &VendorAddArgs) -> Result<Connector, ApiError> {
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        return serde_json::from_str(&text)
            .map_err(|e| invalid(format!("{} is not a connector: {e}", path.display())));
    }
    let model = || {
        args.model
            .clone()
            .ok_or_else(|| invalid("this protocol needs --model"))
    };
    let protocol = match args.protocol {
        Some(ProtocolArg::Openai) => Protocol::OpenaiChat {
            model: model()?,
            system_prompt: args.system.clone(),
            prompt_template: args.prompt.clone(),
            structured_output: !args.no_structured_output,
            max_tokens: args.max_tokens,
            temperature: args.temperature,
        },
        Some(ProtocolArg::Oip) => Protocol::OipV2 {
            model_name: model()?,
            output: args.output.clone(),
        },
        Some(ProtocolArg::Mlflow) => Protocol::Mlflow {
            format: serde_json::from_value::<MlflowFormat>(serde_json::Value::String(
                args.format.clone(),
            ))
            .map_err(|_| {
                invalid(format!(
                    "--format {}: use dataframe_split, dataframe_records, instances or inputs",
                    args.format
                ))
            })?,
        },
        Some(ProtocolArg::Http) => Protocol::Http {
            method: args.method.clone(),
            path: args.path.clone(),
            headers: args
                .headers
                .iter()
                .map(|h| {
                    h.split_once('=')
                        .map(|(name, value)| Header {
                            name: name.trim().to_string(),
                            value: value.to_string(),
                        })
                        .ok_or_else(|| invalid(format!("--header {h}: write NAME=VALUE")))
                })
                .collect::<Result<_, _>>()?,
            body_template: args
                .body
                .clone()
                .ok_or_else(|| invalid("http needs --body, the JSON body with {{column}} placeholders"))?,
            prediction_pointer: args.pointer.clone().ok_or_else(|| {
                invalid("http needs --pointer, where the prediction is in the answer (like /result/prediction)")
            })?,
        },
        None => return Err(invalid("give --protocol, or --config FILE")),
    };
    Ok(Connector {
        protocol,
        base_url: args.url.clone().unwrap_or_default(),
        auth: args.key_env.as_ref().map(|var| Auth {
            header: args.auth_header.clone(),
            prefix: args.auth_prefix.clone(),
            secret: SecretSource::Env { var: var.clone() },
        }),
        timeout_ms: args.timeout_ms,
        max_retries: args.retries,
        requests_per_second: args.rps,
        concurrency: args.concurrency,
        batch_size: args.batch_size,
        pricing: Pricing {
            per_call: args.price_per_call,
            per_1k_input_tokens: args.price_per_1k_input,
            per_1k_output_tokens: args.price_per_1k_output,
        },
        serves: None,
    })
}

fn money(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if value < 0.01 {
        format!("{value:.6}")
    } else {
        format!("{value:.4}")
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.1}"))
}

pub fn vendor(project: &Project, command: VendorCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        VendorCommand::Add(args) => {
            let info = api::add_vendor(
                project,
                &AddVendorRequest {
                    name: args.name.clone(),
                    connector: connector_of(&args)?,
                },
            )?;
            if out.json {
                return print_json(&info);
            }
            println!(
                "Added vendor '{}' ({}) at {}",
                info.name, info.protocol, info.connector.base_url
            );
            if let Some(var) = &info.secret_env {
                println!(
                    "Its key is read from ${var} when it is used{}",
                    if info.secret_available {
                        " (set now)"
                    } else {
                        ": set it before evaluating"
                    }
                );
            }
            Ok(())
        }
        VendorCommand::List => {
            let vendors = api::list_vendors(project)?;
            if out.json {
                return print_json(&vendors);
            }
            let mut t = table(&["name", "protocol", "url", "key from", "limits", "price"]);
            for v in &vendors {
                let c = &v.connector;
                t.add_row(vec![
                    Cell::new(v.name.clone()),
                    Cell::new(v.protocol.clone()),
                    Cell::new(c.base_url.clone()),
                    Cell::new(match &v.secret_env {
                        Some(var) if v.secret_available => format!("${var} (set)"),
                        Some(var) => format!("${var} (NOT set)"),
                        None => "no key".into(),
                    }),
                    Cell::new(format!(
                        "{} at once{}, batch {}, {} ms, {} retries",
                        c.concurrency,
                        c.requests_per_second
                            .map(|r| format!(", {r}/s"))
                            .unwrap_or_default(),
                        c.batch_size,
                        c.timeout_ms,
                        c.max_retries
                    )),
                    Cell::new(format!(
                        "{}/call {}/1k in {}/1k out",
                        money(c.pricing.per_call),
                        money(c.pricing.per_1k_input_tokens),
                        money(c.pricing.per_1k_output_tokens)
                    )),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        VendorCommand::Test { name, experiment } => {
            let test = api::test_vendor(
                project,
                &TestVendorRequest {
                    vendor: name,
                    experiment: ExperimentId(experiment),
                },
            )?;
            if out.json {
                return print_json(&test);
            }
            println!("{} {}", test.request.method, test.request.url);
            for h in &test.request.headers {
                println!("{}: {}", h.name, h.value);
            }
            println!(
                "{}\n",
                serde_json::to_string_pretty(&test.request.body).unwrap_or_default()
            );
            println!(
                "row {}: truth {}",
                test.row,
                test.truth.as_deref().unwrap_or("—")
            );
            match (&test.answer, &test.failure) {
                (Some(answer), _) => println!("answer {answer}"),
                (None, Some(failure)) => println!("failed: {failure}"),
                (None, None) => println!("no answer"),
            }
            println!(
                "{} ms, {} attempt(s), {} input + {} output tokens, cost {}",
                ms(test.latency_ms),
                test.attempts,
                test.input_tokens,
                test.output_tokens,
                money(test.cost)
            );
            Ok(())
        }
        VendorCommand::Remove { name } => {
            let info = api::remove_vendor(project, &name)?;
            if out.json {
                return print_json(&info);
            }
            println!("Removed vendor '{}' (its evaluations stay)", info.name);
            Ok(())
        }
    }
}

pub fn evaluate(
    project: &Project,
    request: &EvaluateRequest,
    out: &Output,
    progress: &TerminalProgress,
) -> Result<(), ApiError> {
    let info = api::evaluate_vendor(project, request, &progress.jobs());
    progress.finish();
    let info = info?;
    if out.json {
        print_json(&info)?;
    } else {
        print_evaluation(&info);
    }
    // Recorded either way; the exit code says whether it measured anything.
    match info.status {
        api::EvaluationStatus::Failed => Err(ApiError::new(
            ErrorCode::Vendor,
            format!(
                "evaluation {} failed: {}",
                info.id,
                info.message.as_deref().unwrap_or("no row was answered")
            ),
        )),
        api::EvaluationStatus::Cancelled => Err(ApiError::new(
            ErrorCode::Cancelled,
            format!(
                "evaluation {} was cancelled; the rows done so far are kept",
                info.id
            ),
        )),
        _ => Ok(()),
    }
}

fn print_evaluation(info: &EvaluationInfo) {
    let s = &info.summary;
    println!(
        "Evaluation {} of '{}' on experiment {}: {:?}{}",
        info.id,
        info.vendor,
        info.experiment_id,
        info.status,
        info.message
            .as_ref()
            .map(|m| format!(" — {m}"))
            .unwrap_or_default()
    );
    println!(
        "{} rows: {} answered, {} failed; {} calls ({} from the cache); spent {}",
        s.rows,
        s.answered,
        s.failed,
        s.calls,
        s.cached_calls,
        money(s.spent)
    );
    if let Some(l) = s.latency {
        println!(
            "latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {}; cost per 1,000 {}",
            l.p50,
            l.p95,
            l.p99,
            s.throughput_per_s
                .map(|t| format!("{t:.1} rows/s"))
                .unwrap_or_else(|| "throughput not measured (cached)".into()),
            s.cost_per_1000.map(money).unwrap_or_else(|| "—".into())
        );
    }
    if !s.metrics.is_empty() {
        let metrics: Vec<String> = s
            .metrics
            .iter()
            .map(|(name, m)| format!("{name} {:.4} ± {:.4}", m.mean, m.std))
            .collect();
        println!("{}", metrics.join(", "));
    }
    for failure in &s.failures {
        println!(
            "  {} rows {}: {}",
            failure.rows,
            failure.kind.as_str(),
            failure.example
        );
    }
}

pub fn evaluations(
    project: &Project,
    command: EvaluationsCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        EvaluationsCommand::List { experiment } => {
            let list = api::list_evaluations(project, experiment.map(ExperimentId))?;
            if out.json {
                return print_json(&list);
            }
            let mut t = table(&[
                "id",
                "experiment",
                "vendor",
                "status",
                "rows",
                "failed",
                "cached",
                "spent",
                "p95 ms",
            ]);
            for e in &list {
                let s = &e.summary;
                t.add_row(vec![
                    right(e.id),
                    right(e.experiment_id),
                    Cell::new(e.vendor.clone()),
                    Cell::new(format!("{:?}", e.status).to_lowercase()),
                    right(s.rows),
                    right(s.failed),
                    right(format!("{}/{}", s.cached_calls, s.calls)),
                    right(money(s.spent)),
                    right(ms(s.latency.map(|l| l.p95))),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        EvaluationsCommand::Show { id } => {
            let detail = api::show_evaluation(project, api::EvaluationId(id))?;
            if out.json {
                return print_json(&detail);
            }
            print_evaluation(&detail.evaluation);
            let failed: Vec<_> = detail.rows.iter().filter(|r| r.failure.is_some()).collect();
            if !failed.is_empty() {
                let mut t = table(&["row", "truth", "failure", "attempts"]);
                for r in failed.iter().take(50) {
                    t.add_row(vec![
                        right(r.row),
                        Cell::new(r.truth.clone().unwrap_or_default()),
                        Cell::new(r.failure.clone().unwrap_or_default()),
                        right(r.attempts),
                    ]);
                }
                println!("{t}");
                if failed.len() > 50 {
                    println!(
                        "… and {} more failed rows (--json for all)",
                        failed.len() - 50
                    );
                }
            }
            Ok(())
        }
    }
}

pub fn compare(project: &Project, experiment: i64, out: &Output) -> Result<(), ApiError> {
    let comparison = api::compare_candidates(project, ExperimentId(experiment))?;
    if out.json {
        return print_json(&comparison);
    }
    print_comparison(&comparison);
    Ok(())
}

fn print_comparison(c: &CandidateComparison) {
    let mut t = table(&[
        "",
        "candidate",
        &c.metric,
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "rows/s",
        "cost/1k",
        "errors",
        "train ms",
        "agreements",
    ]);
    for candidate in &c.candidates {
        t.add_row(vec![
            Cell::new(if candidate.best { "★" } else { "" }),
            Cell::new(candidate.name.clone()),
            right(candidate.score.map_or("—".into(), |s| format!("{s:.4}"))),
            right(ms(candidate.latency.map(|l| l.p50))),
            right(ms(candidate.latency.map(|l| l.p95))),
            right(ms(candidate.latency.map(|l| l.p99))),
            right(
                candidate
                    .throughput_per_s
                    .map_or("—".into(), |t| format!("{t:.0}")),
            ),
            right(candidate.cost_per_1000.map_or("—".into(), money)),
            right(format!("{:.1} %", candidate.error_rate * 100.0)),
            right(ms(candidate.train_ms)),
            Cell::new(match candidate.meets {
                Some(true) => "meets".to_string(),
                Some(false) => format!("misses: {}", candidate.misses.join("; ")),
                None => "—".into(),
            }),
        ]);
    }
    println!("{t}");
    match c.candidates.iter().find(|c| c.best) {
        Some(best) => println!(
            "★ best{}: {}",
            if c.candidates.iter().any(|c| c.meets.is_some()) {
                " that meets the agreements"
            } else {
                ""
            },
            best.name
        ),
        None => println!("No candidate meets the agreements."),
    }
}

pub fn agreements(project: &Project, args: AgreementArgs, out: &Output) -> Result<(), ApiError> {
    let changes = args.metric.is_some()
        || args.min_metric.is_some()
        || args.max_p95_ms.is_some()
        || args.max_cost_per_1000.is_some()
        || args.max_error_rate.is_some();
    if let Some(id) = args.experiment {
        let id = ExperimentId(id);
        let shown = if args.clear {
            api::set_experiment_agreements(
                project,
                &api::SetExperimentAgreementsRequest {
                    experiment: id,
                    agreements: None,
                },
            )?
        } else if changes {
            let mut current = api::experiment_agreements(project, id)?.agreements;
            current.metric = args.metric.or(current.metric);
            current.min_metric = args.min_metric.or(current.min_metric);
            current.max_p95_ms = args.max_p95_ms.or(current.max_p95_ms);
            current.max_cost_per_1000 = args.max_cost_per_1000.or(current.max_cost_per_1000);
            current.max_error_rate = args.max_error_rate.or(current.max_error_rate);
            api::set_experiment_agreements(
                project,
                &api::SetExperimentAgreementsRequest {
                    experiment: id,
                    agreements: Some(current),
                },
            )?
        } else {
            api::experiment_agreements(project, id)?
        };
        if out.json {
            return print_json(&shown);
        }
        println!(
            "Experiment {id} is judged by {}.",
            match shown.source {
                api::AgreementsSource::Experiment => "its own agreements",
                api::AgreementsSource::Project => "the project's agreements",
                api::AgreementsSource::None => "no agreements",
            }
        );
        return print_agreements(&shown.agreements);
    }
    let agreements = if args.clear {
        api::set_agreements(project, &Agreements::default())?
    } else if changes {
        let mut current = api::get_agreements(project)?;
        current.metric = args.metric.or(current.metric);
        current.min_metric = args.min_metric.or(current.min_metric);
        current.max_p95_ms = args.max_p95_ms.or(current.max_p95_ms);
        current.max_cost_per_1000 = args.max_cost_per_1000.or(current.max_cost_per_1000);
        current.max_error_rate = args.max_error_rate.or(current.max_error_rate);
        api::set_agreements(project, &current)?
    } else {
        api::get_agreements(project)?
    };
    if out.json {
        return print_json(&agreements);
    }
    print_agreements(&agreements)
}

fn print_agreements(agreements: &Agreements) -> Result<(), ApiError> {
    let lines: Vec<String> = [
        agreements.min_metric.map(|v| {
            format!(
                "{} at least {v}",
                agreements
                    .metric
                    .as_deref()
                    .unwrap_or("the headline metric")
            )
        }),
        agreements
            .max_p95_ms
            .map(|v| format!("p95 latency at most {v} ms")),
        agreements
            .max_cost_per_1000
            .map(|v| format!("cost per 1,000 predictions at most {v}")),
        agreements
            .max_error_rate
            .map(|v| format!("error rate at most {:.1} %", v * 100.0)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lines.is_empty() {
        println!("No agreements: every candidate qualifies, the best score wins.");
    } else {
        println!("Agreements:\n  {}", lines.join("\n  "));
    }
    Ok(())
}
