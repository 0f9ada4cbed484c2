//! A progress bar on the terminal for the events of long operations
//! (imports, profiles, uploads, evaluations; a sweep prints a line per run),
//! and the Ctrl-C flag that cancels them.

use datalab_api::{Event, EventSink, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct TerminalProgress {
    enabled: bool,
    /// Whether run events are printed (not with --json).
    runs: bool,
    bar: Mutex<Option<(Stage, ProgressBar)>>,
    cancel: Arc<AtomicBool>,
}

impl TerminalProgress {
    pub fn new(enabled: bool) -> Self {
        TerminalProgress {
            enabled,
            runs: enabled,
            bar: Mutex::new(None),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// What the jobs of a command are given: these bars, and the Ctrl-C flag.
    pub fn jobs(&self) -> datalab_api::JobContext<'_> {
        datalab_api::JobContext::new(self, &self.cancel)
    }

    /// Whether Ctrl-C (or SIGTERM) was pressed.
    pub fn interrupted(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Clears the bar before the result is printed.
    pub fn finish(&self) {
        if let Some((_, bar)) = self.bar.lock().ok().and_then(|mut guard| guard.take()) {
            bar.finish_and_clear();
        }
    }

    /// Bytes uploaded of a publish.
    pub fn transfer(&self, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        if let Ok(mut guard) = self.bar.lock() {
            let (_, bar) = guard.get_or_insert_with(|| {
                let bar = Self::new_bar(Stage::Checking, total);
                bar.set_message("uploading");
                (Stage::Checking, bar)
            });
            bar.set_length(total);
            bar.set_position(done);
        }
    }

    /// Rows of a vendor evaluation, with failures and money spent.
    pub fn evaluation(&self, done: u64, total: u64, failed: u64, spent: f64) {
        if !self.enabled {
            return;
        }
        if let Ok(mut guard) = self.bar.lock() {
            let (_, bar) = guard.get_or_insert_with(|| {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                if let Ok(style) =
                    ProgressStyle::with_template("evaluating [{bar:30}] {pos}/{len} rows {msg}")
                {
                    bar.set_style(style.progress_chars("=> "));
                }
                (Stage::Checking, bar)
            });
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message(format!("· {failed} failed · spent {spent:.4}"));
        }
    }

    fn new_bar(stage: Stage, total: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let (label, template) = match stage {
            Stage::Checking => (
                "checking",
                "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ),
            Stage::Converting => ("converting", "{msg:>10} {spinner} {elapsed}"),
            Stage::Profiling => ("profiling", "{msg:>10} [{bar:30}] {pos}/{len} steps"),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label);
        if stage == Stage::Converting {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        bar
    }
}

impl EventSink for TerminalProgress {
    fn emit(&self, event: Event) {
        match event {
            Event::Progress {
                stage, done, total, ..
            } => self.report(stage, done, total),
            Event::Transfer { done, total, .. } => self.transfer(done, total),
            Event::Evaluation { progress, .. } => self.evaluation(
                progress.done,
                progress.total,
                progress.failed,
                progress.spent,
            ),
            Event::Run { event, .. } if self.runs => crate::output::run_event(&event),
            Event::Run { .. } | Event::Job { .. } => {}
        }
    }
}

impl TerminalProgress {
    fn report(&self, stage: Stage, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        let Ok(mut guard) = self.bar.lock() else {
            return;
        };
        let same_stage = matches!(&*guard, Some((s, _)) if *s == stage);
        if !same_stage {
            if let Some((_, old)) = guard.take() {
                old.finish_and_clear();
            }
            *guard = Some((stage, Self::new_bar(stage, total)));
        }
        if let Some((_, bar)) = guard.as_ref() {
            bar.set_length(total);
            bar.set_position(done);
        }
    }
}
