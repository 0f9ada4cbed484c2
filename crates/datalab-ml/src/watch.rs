//! How long work in this crate is watched from outside: a request to stop,
//! checked between steps (a tree's nodes, a forest's trees, k-means'
//! iterations), progress in those steps, and the CPU time of the helper
//! threads a fit starts (a forest grows its trees on several threads, which
//! the caller's own thread clock does not see).
//!
//! linfa's solvers cannot be interrupted: [`abandonable`] runs one on a
//! thread of its own and, when asked to stop, stops waiting for it. The
//! abandoned thread finishes in the background (bounded by the solver's
//! iteration limit) and its result is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The work was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped")]
pub struct Stopped;

fn never() -> bool {
    false
}

fn ignore(_done: u64, _total: u64) {}

/// What a fit asks and tells while it works.
pub struct Watch<'a> {
    stop: &'a (dyn Fn() -> bool + Sync),
    step: &'a (dyn Fn(u64, u64) + Sync),
    helper_cpu_ns: AtomicU64,
}

impl std::fmt::Debug for Watch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("helper_cpu_ns", &self.helper_cpu_ns)
            .finish_non_exhaustive()
    }
}

impl<'a> Watch<'a> {
    /// `stop` is asked between steps; `step(done, total)` hears progress.
    pub fn new(stop: &'a (dyn Fn() -> bool + Sync), step: &'a (dyn Fn(u64, u64) + Sync)) -> Self {
        Watch {
            stop,
            step,
            helper_cpu_ns: AtomicU64::new(0),
        }
    }

    /// Nobody watches: never stops, hears nothing.
    pub fn unwatched() -> Watch<'static> {
        Watch::new(&never, &ignore)
    }

    /// Whether the work should stop now.
    pub fn stopped(&self) -> bool {
        (self.stop)()
    }

    /// `Err(Stopped)` when the work should stop now.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.stopped() { Err(Stopped) } else { Ok(()) }
    }

    /// `done` of `total` steps of the current fit.
    pub fn step(&self, done: u64, total: u64) {
        (self.step)(done, total);
    }

    /// Counts CPU time a helper thread spent on this work.
    pub fn add_helper_cpu(&self, spent: Duration) {
        let ns = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.helper_cpu_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// CPU time helper threads spent so far.
    pub fn helper_cpu(&self) -> Duration {
        Duration::from_nanos(self.helper_cpu_ns.load(Ordering::Relaxed))
    }
}

/// CPU time of the calling thread so far (zero where the clock is missing).
pub fn thread_cpu() -> Duration {
    cpu_time::ThreadTime::try_now()
        .map(|t| t.as_duration())
        .unwrap_or_default()
}

/// How often a waiting fit looks at its watch.
const POLL: Duration = Duration::from_millis(50);

/// Why [`abandonable`] gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Abandoned {
    #[error("stopped")]
    Stopped,
    #[error("no thread could be started for the fit: {0}")]
    NoThread(String),
}

impl From<Stopped> for Abandoned {
    fn from(_: Stopped) -> Self {
        Abandoned::Stopped
    }
}

/// Runs `work` on a thread of its own, waiting for it while `watch` does not
/// ask to stop. Its CPU time counts as the watch's helper time.
pub fn abandonable<T: Send + 'static>(
    watch: &Watch<'_>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Abandoned> {
    watch.check()?;
    let (sender, receiver) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("datalab-fit".into())
        .spawn(move || {
            let started = thread_cpu();
            let value = work();
            // Nobody may be listening any more: then the value is dropped.
            let _ = sender.send((value, thread_cpu().saturating_sub(started)));
        });
    if let Err(e) = spawned {
        return Err(Abandoned::NoThread(e.to_string()));
    }
    loop {
        match receiver.recv_timeout(POLL) {
            Ok((value, cpu)) => {
                watch.add_helper_cpu(cpu);
                return Ok(value);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => watch.check()?,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Abandoned::NoThread("the fit's thread stopped".into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    #[test]
    fn an_abandonable_fit_returns_its_value_or_stops_waiting() {
        let watch = Watch::unwatched();
        assert_eq!(abandonable(&watch, || 6 * 7), Ok(42));

        let stop = AtomicBool::new(false);
        let asked = || stop.load(Ordering::SeqCst);
        let watch = Watch::new(&asked, &ignore);
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                stop.store(true, Ordering::SeqCst);
            });
            let slow = abandonable(&watch, || std::thread::sleep(Duration::from_secs(5)));
            assert_eq!(slow, Err(Abandoned::Stopped));
        });
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
