//! The experiment runner: an experiment's queued runs, trained and tested
//! on worker threads as one job.
//!
//! Runs are claimed from the database one at a time (`claim_next_run`), so
//! two workers on one experiment, in one process or two, share its queue:
//! each run is claimed once and nobody cancels anybody else's. Trials are
//! CPU-bound and run on plain threads; the calling thread owns the database
//! connection and records every claim, fold and end as it happens, so a run
//! is never left `running` by a live job. Each fold is kept as soon as it is
//! scored: a run stopped (cancelled, killed) keeps its finished folds, and
//! when it is run again it starts from them.

use crate::command::{CommandContext, CommandError, TrackingEndpoint};
use crate::events::Event;
use crate::jobs::Job;
use crate::run_files::RunFiles;
use crate::run_info::RunInfo;
use crate::rungs::{Rungs, Verdict};
use datalab_ml::features::InputColumn;
use datalab_ml::spec::TrialSpec;
use datalab_ml::trial::{
    FoldResult, TargetColumn, TrialError, TrialInput, TrialObserver, TrialResult, TrialStage,
};
use datalab_ml::validation::Validation;
use datalab_project::{
    ExperimentRecord, MetricValue, Project, ProjectError, RunId, RunRecord, RunStatus,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What happens during a run of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    Started {
        run: RunId,
        trial: u32,
        model: String,
    },
    /// `done` of `folds` folds of a run are trained and scored.
    Fold {
        run: RunId,
        done: usize,
        folds: usize,
    },
    /// Inside a fold (or the final model): `done` of `total` steps (trees,
    /// iterations, classes) of its fit, `0 of 0` when the fit has no steps.
    Step {
        run: RunId,
        stage: TrialStage,
        done: u64,
        total: u64,
    },
    Finished {
        run: Box<RunInfo>,
    },
}

/// An experiment ready to run: its trials (by trial number) and its data.
#[derive(Debug)]
pub struct Sweep {
    pub experiment: ExperimentRecord,
    pub trials: Vec<TrialSpec>,
    pub features: Vec<InputColumn>,
    pub target: TargetColumn,
    pub validation: Validation,
    pub seed: u64,
    /// Trials at once.
    pub workers: usize,
    /// What command trials need, when the spec has command models.
    pub commands: Option<CommandSetup>,
    /// The spec, when its search suggests trials as they start (TPE).
    pub adaptive: Option<datalab_ml::spec::ExperimentSpec>,
    /// Stops trials at rungs of their folds (ASHA).
    pub early_stop: Option<datalab_ml::early_stop::EarlyStop>,
    /// How binary classifiers decide, when not by the most probable class.
    pub threshold: Option<datalab_ml::threshold::ThresholdRule>,
}

/// What a sweep's command trials run with.
#[derive(Debug, Clone)]
pub struct CommandSetup {
    /// The spec's command models.
    pub models: Vec<datalab_ml::spec::ModelSearch>,
    /// The tracking server their MLflow calls go to, for the sweep's length.
    pub tracking: TrackingEndpoint,
    /// The experiment's dataset snapshot (`{dataset}`, `DATALAB_DATASET`).
    pub dataset: std::path::PathBuf,
    pub project_root: std::path::PathBuf,
}

/// How often the runner looks for runs someone asked to stop.
const LOOK: Duration = Duration::from_millis(200);
/// The fastest a run's in-fold progress is sent.
const STEP_EVERY: Duration = Duration::from_millis(250);

/// A trial's evaluation and the model trained for keeping, as JSON.
struct Evaluated {
    result: TrialResult,
    model_json: Result<String, String>,
    importance: Option<Vec<datalab_ml::trial::FeatureImportance>>,
}

struct Work {
    run: RunRecord,
    trial: Option<TrialSpec>,
    finished: Vec<FoldResult>,
    stop: Arc<AtomicBool>,
    files: RunFiles,
}

enum Message {
    Step(RunId, TrialStage, u64, u64),
    Fold(RunId, Box<FoldResult>),
    Finished(RunId, Box<Result<Evaluated, TrialError>>, f64, f64),
    /// A command trial's process ended (wall ms).
    CommandEnded(RunId, Result<(), CommandError>, f64),
    /// A trial at a rung of its folds (folds done) asks whether it goes on.
    AtRung(RunId, usize, Sender<bool>),
}

/// What a worker's trial tells the runner.
struct Observer<'a> {
    run: RunId,
    stop: &'a AtomicBool,
    job: &'a Job<'a>,
    sender: &'a Sender<Message>,
    helper_cpu_ns: AtomicU64,
    /// The fold counts at which the trial asks whether it goes on.
    rungs: &'a [usize],
}

impl TrialObserver for Observer<'_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.job.cancelled()
    }

    fn progress(&self, stage: TrialStage, done: u64, total: u64) {
        let _ = self
            .sender
            .send(Message::Step(self.run, stage, done, total));
    }

    fn fold_done(&self, fold: &FoldResult) {
        let _ = self
            .sender
            .send(Message::Fold(self.run, Box::new(fold.clone())));
    }

    fn helper_cpu(&self, spent: Duration) {
        let ns = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.helper_cpu_ns.fetch_add(ns, Ordering::Relaxed);
    }

    fn go_on(&self, folds_done: usize) -> bool {
        if !self.rungs.contains(&folds_done) {
            return true;
        }
        let (answer, verdict) = mpsc::channel();
        if self
            .sender
            .send(Message::AtRung(self.run, folds_done, answer))
            .is_err()
        {
            return false;
        }
        // The verdict waits for earlier trials to reach the rung; a stop
        // meanwhile ends the wait (the trial then reports it cancelled).
        loop {
            match verdict.recv_timeout(LOOK) {
                Ok(goes_on) => return goes_on,
                Err(RecvTimeoutError::Timeout) if !self.stopped() => {}
                Err(_) => return false,
            }
        }
    }
}

impl Sweep {
    /// Runs the experiment's queued runs, `workers` at a time, until none is
    /// left or the job is cancelled (then the queued ones are cancelled,
    /// and running ones stop within a second or so, keeping their finished
    /// folds). Returns the runs this job ended.
    pub fn run(&self, project: &Project, job: &Job<'_>) -> Result<Vec<RunId>, ProjectError> {
        let experiment = self.experiment.id;
        let queued = project
            .run_counts(experiment)?
            .into_iter()
            .find(|(status, _)| *status == RunStatus::Queued)
            .map_or(0, |(_, count)| count);
        let workers = self.workers.clamp(1, (queued as usize).max(1));
        let (work_sender, work_receiver) = mpsc::channel::<Work>();
        let work_receiver = Mutex::new(work_receiver);
        let (sender, receiver) = mpsc::channel::<Message>();
        let mut ended = Vec::new();
        let mut first_error: Option<ProjectError> = None;
        let rungs = self.rungs(project)?;
        let rung_folds = rungs.as_ref().map(Rungs::folds).unwrap_or_default();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let (sender, work_receiver) = (sender.clone(), &work_receiver);
                let rung_folds = &rung_folds;
                scope.spawn(move || self.work(job, work_receiver, &sender, rung_folds));
            }
            drop(sender);
            let mut runner = Runner {
                project,
                job,
                sweep: self,
                work: Some(work_sender),
                in_flight: BTreeMap::new(),
                folds_done: BTreeMap::new(),
                last_step: BTreeMap::new(),
                queued,
                ended: 0,
                workers,
                rungs,
                pruned: BTreeMap::new(),
            };
            let outcome = runner.drive(&receiver, &mut ended);
            // Workers stop when the queue closes; the ones in flight finish first.
            runner.work = None;
            runner.drain(&receiver, &mut ended);
            if let Err(e) = outcome {
                first_error = Some(e);
            }
        });
        if job.cancelled() {
            project.cancel_queued_runs(experiment)?;
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(ended),
        }
    }

    /// Early stopping's bookkeeping, with the folds of trials that ended
    /// before this job (a resumed sweep compares with them too).
    fn rungs(&self, project: &Project) -> Result<Option<Rungs>, ProjectError> {
        let Some(stop) = self.early_stop else {
            return Ok(None);
        };
        let folds = datalab_ml::trial::fold_count(&self.target, self.validation);
        let metric = datalab_ml::metric_facts::headline_of(self.target.task());
        let mut rungs = Rungs::new(stop, folds, metric);
        for run in project.runs_of(self.experiment.id)? {
            if !run.status.is_final() {
                continue;
            }
            for value in project.run_metrics(run.id)? {
                rungs.record(
                    run.trial,
                    value.fold as usize,
                    &[(&value.name, value.value)],
                );
            }
        }
        Ok(Some(rungs))
    }

    /// A worker: takes runs from the queue until it closes.
    fn work(
        &self,
        job: &Job<'_>,
        queue: &Mutex<Receiver<Work>>,
        sender: &Sender<Message>,
        rungs: &[usize],
    ) {
        loop {
            let next = match queue.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => return,
            };
            let Ok(work) = next else { return };
            if let Some((setup, search)) = self.commands.as_ref().and_then(|setup| {
                setup
                    .models
                    .iter()
                    .find(|m| m.model == work.run.model)
                    .map(|m| (setup, m))
            }) {
                let wall = Instant::now();
                let context = CommandContext {
                    project_root: &setup.project_root,
                    files: &work.files,
                    run_uuid: &work.run.uuid,
                    experiment: work.run.experiment_id.0,
                    dataset: &setup.dataset,
                    tracking: &setup.tracking,
                };
                let params = work
                    .trial
                    .as_ref()
                    .map(|t| t.params.clone())
                    .unwrap_or_default();
                let stop = || work.stop.load(Ordering::SeqCst) || job.cancelled();
                let ended = crate::command::run_command(search, &params, &context, &stop);
                let _ = sender.send(Message::CommandEnded(
                    work.run.id,
                    ended,
                    wall.elapsed().as_secs_f64() * 1e3,
                ));
                continue;
            }
            let wall = Instant::now();
            let cpu = datalab_ml::watch::thread_cpu();
            let observer = Observer {
                run: work.run.id,
                stop: &work.stop,
                job,
                sender,
                helper_cpu_ns: AtomicU64::new(0),
                rungs,
            };
            let result = match &work.trial {
                Some(trial) => self.evaluate(trial, &work.finished, &observer),
                None => Err(TrialError::UnknownTrial(work.run.trial)),
            };
            let helper = Duration::from_nanos(observer.helper_cpu_ns.load(Ordering::Relaxed));
            let cpu_ms =
                (datalab_ml::watch::thread_cpu().saturating_sub(cpu) + helper).as_secs_f64() * 1e3;
            let wall_ms = wall.elapsed().as_secs_f64() * 1e3;
            let _ = sender.send(Message::Finished(
                work.run.id,
                Box::new(result),
                wall_ms,
                cpu_ms,
            ));
        }
    }

    fn evaluate(
        &self,
        trial: &TrialSpec,
        finished: &[FoldResult],
        observer: &Observer<'_>,
    ) -> Result<Evaluated, TrialError> {
        let input = TrialInput {
            columns: &self.features,
            target: &self.target,
            model: &trial.model,
            params: &trial.params,
            validation: self.validation,
            seed: self.seed,
            threshold: self.threshold.as_ref(),
        };
        let result = input.run(finished, observer)?;
        let (model_json, importance) = match input.train_final(observer, result.decision) {
            Ok(model) => (
                serde_json::to_string(&model).map_err(|e| e.to_string()),
                model.feature_importance(),
            ),
            Err(TrialError::Cancelled) => return Err(TrialError::Cancelled),
            Err(e) => (Err(e.to_string()), None),
        };
        Ok(Evaluated {
            result,
            model_json,
            importance,
        })
    }
}

/// The runner's side of a sweep: claims, records and reports.
struct Runner<'a> {
    project: &'a Project,
    job: &'a Job<'a>,
    sweep: &'a Sweep,
    work: Option<Sender<Work>>,
    in_flight: BTreeMap<RunId, (RunRecord, Arc<AtomicBool>)>,
    folds_done: BTreeMap<RunId, usize>,
    last_step: BTreeMap<RunId, Instant>,
    queued: u64,
    ended: u64,
    /// Trials at once.
    workers: usize,
    rungs: Option<Rungs>,
    /// Runs early stopping ended, and why.
    pruned: BTreeMap<RunId, Verdict>,
}

impl Runner<'_> {
    /// Claims the next queued run and hands it to a worker; false when none
    /// is left, or when the next is a TPE trial whose history is still running.
    fn claim(&mut self) -> Result<bool, ProjectError> {
        if self.job.cancelled() || self.work.is_none() {
            return Ok(false);
        }
        let experiment = self.sweep.experiment.id;
        let mut history = None;
        if let Some(spec) = &self.sweep.adaptive
            && let Some(next) = self.project.next_queued_trial(experiment)?
            && spec.suggested_later(next as usize)
        {
            // A suggestion learns from a fixed set of earlier trials: wait
            // for them (unless nothing here runs: then they are elsewhere).
            let runs = self.project.runs_of(experiment)?;
            let unfinished = runs
                .iter()
                .any(|r| spec.learns_from(next as usize, r.trial as usize) && !r.status.is_final());
            if unfinished && !self.in_flight.is_empty() {
                return Ok(false);
            }
            history = Some(runs);
        }
        let Some(run) = self.project.claim_next_run(experiment, self.job.id())? else {
            return Ok(false);
        };
        let files = RunFiles::of(self.project, run.id);
        let finished = files.finished_folds();
        self.folds_done.insert(run.id, finished.len());
        if let Some(rungs) = &mut self.rungs {
            rungs.started(run.trial);
            for fold in &finished {
                rungs.record_fold(run.trial, fold);
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        self.job.emit(Event::Run {
            job: self.job.id().clone(),
            event: RunEvent::Started {
                run: run.id,
                trial: run.trial,
                model: run.model.clone(),
            },
        });
        let mut trial = self.sweep.trials.get(run.trial as usize).cloned();
        let mut run = run;
        if let Some(spec) = &self.sweep.adaptive
            && spec.suggested_later(run.trial as usize)
            && serde_json::from_str::<datalab_ml::models::Params>(&run.params_json)
                .is_ok_and(|p| p.is_empty())
        {
            // Suggested now; a resumed run keeps the parameters it started with.
            let runs = match history {
                Some(runs) => runs,
                None => self.project.runs_of(experiment)?,
            };
            let observations = observations(spec, run.trial, &runs);
            let suggested = spec.suggest(run.trial as usize, &observations);
            let json = serde_json::to_string(&suggested.params)
                .map_err(|e| ProjectError::Invalid(format!("trial parameters: {e}")))?;
            self.project.set_run_params(run.id, &json)?;
            run.params_json = json;
            trial = Some(suggested);
        }
        let sent = self.work.as_ref().is_some_and(|work| {
            self.in_flight
                .insert(run.id, (run.clone(), Arc::clone(&stop)));
            work.send(Work {
                run,
                trial,
                finished,
                stop,
                files,
            })
            .is_ok()
        });
        Ok(sent)
    }

    fn report(&self) {
        let running: Vec<String> = self
            .in_flight
            .values()
            .map(|(run, _)| format!("run {}", run.id))
            .collect();
        let stage = if running.is_empty() {
            format!("{} of {} runs", self.ended, self.queued)
        } else {
            format!(
                "{} of {} runs; {}",
                self.ended,
                self.queued,
                running.join(", ")
            )
        };
        self.job.report(stage, self.ended, self.queued);
    }

    /// Hands out work and records what comes back until nothing is left.
    fn drive(
        &mut self,
        receiver: &Receiver<Message>,
        ended: &mut Vec<RunId>,
    ) -> Result<(), ProjectError> {
        self.fill()?;
        self.report();
        let mut last_look = Instant::now();
        while !self.in_flight.is_empty() {
            let message = match receiver.recv_timeout(LOOK) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if last_look.elapsed() >= LOOK {
                last_look = Instant::now();
                self.look_for_cancels()?;
            }
            if let Some(message) = message
                && self.handle(message, ended)?
            {
                self.fill()?;
                self.report();
            }
        }
        Ok(())
    }

    /// Claims runs until every worker has one or none can start now.
    fn fill(&mut self) -> Result<(), ProjectError> {
        while self.in_flight.len() < self.workers && self.claim()? {}
        Ok(())
    }

    /// Sends the verdicts early stopping can give now, keeping the prunings.
    fn decide(&mut self) {
        let Some(rungs) = &mut self.rungs else {
            return;
        };
        for verdict in rungs.decide() {
            if verdict.goes_on {
                continue;
            }
            if let Some((&run, _)) = self
                .in_flight
                .iter()
                .find(|(_, (record, _))| record.trial == verdict.trial)
            {
                self.pruned.insert(run, verdict);
            }
        }
    }

    /// The trial number of a run this job holds.
    fn trial_of(&self, run: RunId) -> Option<u32> {
        self.in_flight.get(&run).map(|(record, _)| record.trial)
    }

    /// A run ended: early stopping stops waiting for it.
    fn ended_run(&mut self, run: RunId) {
        if let (Some(trial), Some(rungs)) = (self.trial_of(run), &mut self.rungs) {
            rungs.ended(trial);
        }
        self.in_flight.remove(&run);
        self.last_step.remove(&run);
        self.folds_done.remove(&run);
        self.decide();
    }

    /// Records what workers still send after the queue closed (after an error).
    fn drain(&mut self, receiver: &Receiver<Message>, ended: &mut Vec<RunId>) {
        for (_, stop) in self.in_flight.values() {
            stop.store(true, Ordering::SeqCst);
        }
        while let Ok(message) = receiver.recv() {
            let _ = self.handle(message, ended);
        }
    }

    fn look_for_cancels(&mut self) -> Result<(), ProjectError> {
        let cancelled = self.job.cancelled();
        let asked = self.project.cancelled_runs(self.job.id())?;
        for (id, (_, stop)) in &self.in_flight {
            if cancelled || asked.contains(id) {
                stop.store(true, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// Handles one message; true when a run ended (a worker is free).
    fn handle(&mut self, message: Message, ended: &mut Vec<RunId>) -> Result<bool, ProjectError> {
        let job_id = self.job.id().clone();
        match message {
            Message::Step(run, stage, done, total) => {
                let due = self
                    .last_step
                    .get(&run)
                    .is_none_or(|at| at.elapsed() >= STEP_EVERY);
                if due {
                    self.last_step.insert(run, Instant::now());
                    self.job.emit(Event::Run {
                        job: job_id,
                        event: RunEvent::Step {
                            run,
                            stage,
                            done,
                            total,
                        },
                    });
                }
                Ok(false)
            }
            Message::Fold(run, fold) => {
                // Kept at once: a stopped run keeps it, a resumed one skips it.
                let files = RunFiles::of(self.project, run);
                let _ = files.save_fold(&fold);
                self.project
                    .record_fold_metrics(run, &fold_metrics(&fold))?;
                if let (Some(trial), Some(rungs)) = (self.trial_of(run), &mut self.rungs) {
                    rungs.record_fold(trial, &fold);
                }
                let done = self.folds_done.entry(run).or_insert(0);
                *done += 1;
                let folds =
                    datalab_ml::trial::fold_count(&self.sweep.target, self.sweep.validation);
                self.job.emit(Event::Run {
                    job: job_id,
                    event: RunEvent::Fold {
                        run,
                        done: (*done).min(folds),
                        folds,
                    },
                });
                Ok(false)
            }
            Message::AtRung(run, folds_done, answer) => {
                match (self.trial_of(run), &mut self.rungs) {
                    (Some(trial), Some(rungs)) => rungs.wait(trial, folds_done, answer),
                    _ => {
                        let _ = answer.send(true);
                    }
                }
                self.decide();
                Ok(false)
            }
            Message::CommandEnded(run, result, wall_ms) => {
                self.ended_run(run);
                // The metrics are what the command's own code logged; the
                // CPU it used is not Data Lab's to measure.
                let summary = self.project.run(run)?.summary_json;
                let (status, error) = match &result {
                    Ok(()) => (RunStatus::Succeeded, None),
                    Err(CommandError::Cancelled) => (RunStatus::Cancelled, None),
                    Err(e) => (RunStatus::Failed, Some(e.to_string())),
                };
                let recorded = self.project.finish_run(
                    run,
                    status,
                    error.as_deref(),
                    wall_ms,
                    f64::NAN,
                    summary.as_deref(),
                    &[],
                );
                self.ended += 1;
                ended.push(run);
                if let Ok(record) = self.project.run(run) {
                    self.job.emit(Event::Run {
                        job: job_id,
                        event: RunEvent::Finished {
                            run: Box::new(record.into()),
                        },
                    });
                }
                recorded.map(|()| true)
            }
            Message::Finished(run, result, wall_ms, cpu_ms) => {
                self.ended_run(run);
                let labels = match &self.sweep.target {
                    TargetColumn::Classes { labels, .. } => labels.clone(),
                    _ => Vec::new(),
                };
                let pruned = self.pruned.remove(&run);
                let recorded = match (*result, pruned) {
                    (Err(TrialError::Pruned { .. }), Some(verdict)) => {
                        record_pruned(self.project, run, &verdict, wall_ms, cpu_ms)
                    }
                    (result, _) => {
                        record_result(self.project, run, result, wall_ms, cpu_ms, &labels)
                    }
                };
                self.ended += 1;
                ended.push(run);
                if let Ok(record) = self.project.run(run) {
                    self.job.emit(Event::Run {
                        job: job_id,
                        event: RunEvent::Finished {
                            run: Box::new(record.into()),
                        },
                    });
                }
                recorded.map(|()| true)
            }
        }
    }
}

/// The trials TPE's suggestion for `trial` learns from, as losses (lower
/// is better): a succeeded trial's objective (the spec's); a pruned one ranks
/// below every finished trial, as Optuna ranks them.
fn observations(
    spec: &datalab_ml::spec::ExperimentSpec,
    trial: u32,
    runs: &[RunRecord],
) -> Vec<datalab_ml::tpe::Observation> {
    let metric = spec.objective();
    let sign = datalab_ml::metric_facts::loss_sign(metric);
    runs.iter()
        .filter(|r| spec.learns_from(trial as usize, r.trial as usize))
        .filter_map(|r| {
            let params = serde_json::from_str(&r.params_json).ok()?;
            let loss = match r.status {
                RunStatus::Succeeded => {
                    sign * crate::run_info::metrics_of(r.summary_json.as_deref())
                        .get(metric)?
                        .mean
                }
                RunStatus::Pruned => f64::INFINITY,
                _ => return None,
            };
            Some(datalab_ml::tpe::Observation { params, loss })
        })
        .collect()
}

/// A pruned run keeps the folds it finished, their metrics and summary.
fn record_pruned(
    project: &Project,
    run: RunId,
    verdict: &Verdict,
    wall_ms: f64,
    cpu_ms: f64,
) -> Result<(), ProjectError> {
    let files = RunFiles::of(project, run);
    let folds = files.finished_folds();
    let metrics: Vec<MetricValue> = folds.iter().flat_map(fold_metrics).collect();
    let summary = serde_json::to_string(&datalab_ml::trial::summarize(&folds)).ok();
    project.prune_run(
        run,
        verdict.rung,
        &verdict.why,
        wall_ms,
        cpu_ms,
        summary.as_deref(),
        &metrics,
    )?;
    files.clear_folds();
    Ok(())
}

fn fold_metrics(fold: &FoldResult) -> Vec<MetricValue> {
    fold.metrics
        .scalars()
        .into_iter()
        .map(|(name, value)| MetricValue {
            fold: fold.fold as u32,
            name: name.to_string(),
            value,
        })
        .collect()
}

fn record_result(
    project: &Project,
    run: RunId,
    result: Result<Evaluated, TrialError>,
    wall_ms: f64,
    cpu_ms: f64,
    labels: &[String],
) -> Result<(), ProjectError> {
    match result {
        Ok(Evaluated {
            result: trial,
            model_json,
            importance,
        }) => {
            let metrics: Vec<MetricValue> = trial.folds.iter().flat_map(fold_metrics).collect();
            let summary = serde_json::to_string(&trial.summary).ok();
            let files = RunFiles::of(project, run);
            let error = save_run_files(&files, &trial, model_json, labels)
                .and_then(|()| match &importance {
                    Some(importance) => serde_json::to_vec(importance)
                        .map_err(|e| e.to_string())
                        .and_then(|bytes| {
                            files
                                .write(RunFiles::IMPORTANCE, &bytes)
                                .map_err(|e| e.to_string())
                        }),
                    None => Ok(()),
                })
                .err();
            let status = if error.is_some() {
                RunStatus::Failed
            } else {
                files.clear_folds();
                RunStatus::Succeeded
            };
            project.finish_run(
                run,
                status,
                error.as_deref(),
                wall_ms,
                cpu_ms,
                summary.as_deref(),
                &metrics,
            )
        }
        Err(TrialError::Cancelled) => {
            project.finish_run(run, RunStatus::Cancelled, None, wall_ms, cpu_ms, None, &[])
        }
        Err(error) => project.finish_run(
            run,
            RunStatus::Failed,
            Some(&error.to_string()),
            wall_ms,
            cpu_ms,
            None,
            &[],
        ),
    }
}

/// The evaluation (each fold's test rows, predictions and metrics), the
/// charts (downsampled once here, so drawing them never reads the whole
/// evaluation) and the trained model.
fn save_run_files(
    files: &RunFiles,
    trial: &TrialResult,
    model_json: Result<String, String>,
    labels: &[String],
) -> Result<(), String> {
    let model_json =
        model_json.map_err(|e| format!("the final model could not be trained: {e}"))?;
    let evaluation = serde_json::to_vec(&trial.folds).map_err(|e| e.to_string())?;
    let charts = datalab_ml::charts::charts_of(&trial.folds, labels.to_vec());
    let charts = serde_json::to_vec(&charts).map_err(|e| e.to_string())?;
    files
        .write(RunFiles::EVALUATION, &evaluation)
        .and_then(|()| files.write(RunFiles::CHARTS, &charts))
        .and_then(|()| files.write(RunFiles::MODEL, model_json.as_bytes()))
        .map_err(|e| e.to_string())
}
