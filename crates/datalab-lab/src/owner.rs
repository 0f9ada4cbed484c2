//! Who owns a job, and whether that owner is still alive.
//!
//! A PID alone cannot say: PIDs are reused, and a process in a container
//! has another PID (often 1) in another PID namespace than the host sees.
//! An owner is a random id made once per process, with the host name, the
//! PID namespace, the PID and the process's start time. Another process on
//! the same host and in the same PID namespace can tell for certain whether
//! the owner lives (`/proc/<pid>` with the same start time); anywhere else,
//! the owner's heartbeat decides: no beat for [`timeout`], and it is dead.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;

/// A process that owns jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// Random, made when the process first needs it: never reused.
    pub id: String,
    pub host: String,
    /// The PID namespace, as `/proc/self/ns/pid` names it (`pid:[4026531836]`).
    #[serde(default)]
    pub pid_namespace: Option<String>,
    pub pid: u32,
    /// When the process started, in clock ticks since boot (`/proc/<pid>/stat`).
    #[serde(default)]
    pub started: Option<u64>,
}

/// Whether a job's owner still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// Gone, and why we know.
    Dead(String),
}

/// The heartbeat timeout by default: owners beat every second.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an owner may stay silent before its jobs count as dead:
/// `DATALAB_JOB_TIMEOUT_S`, or 30 s.
pub fn timeout() -> Duration {
    std::env::var("DATALAB_JOB_TIMEOUT_S")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness from the OS: time and PID still make a unique enough id.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(std::process::id())).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn pid_namespace(pid: &str) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Field 22 of `/proc/<pid>/stat`: the start time in clock ticks since boot.
fn start_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

impl Owner {
    /// This process.
    pub fn current() -> &'static Owner {
        static CURRENT: OnceLock<Owner> = OnceLock::new();
        CURRENT.get_or_init(|| Owner {
            id: random_id(),
            host: host_name(),
            pid_namespace: pid_namespace("self"),
            pid: std::process::id(),
            started: start_ticks("self"),
        })
    }

    /// As the database keeps it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// From the database; `None` for an owner this build cannot read.
    pub fn from_json(text: &str) -> Option<Owner> {
        serde_json::from_str(text).ok()
    }

    /// How a person reads it: `host, pid 123`.
    pub fn describe(&self) -> String {
        format!("{}, pid {}", self.host, self.pid)
    }

    /// Whether this owner still runs, judged from `here` (this process):
    /// for certain on the same host and PID namespace, else by its
    /// heartbeat, `silent` long ago, against `timeout`.
    pub fn liveness(&self, here: &Owner, silent: Duration, timeout: Duration) -> Liveness {
        if self.id == here.id {
            return Liveness::Alive;
        }
        let same_pid_space = self.host == here.host
            && self.pid_namespace.is_some()
            && self.pid_namespace == here.pid_namespace;
        if same_pid_space {
            let pid = self.pid.to_string();
            return match (start_ticks(&pid), self.started) {
                (Some(now), Some(then)) if now == then => Liveness::Alive,
                (Some(_), Some(_)) => Liveness::Dead(format!(
                    "its process ({}) ended; pid {} is another process now",
                    self.describe(),
                    self.pid
                )),
                (None, _) => Liveness::Dead(format!("its process ({}) ended", self.describe())),
                // The start time was unknown: only the heartbeat can tell.
                (Some(_), None) => self.by_heartbeat(silent, timeout),
            };
        }
        self.by_heartbeat(silent, timeout)
    }

    fn by_heartbeat(&self, silent: Duration, timeout: Duration) -> Liveness {
        if silent <= timeout {
            Liveness::Alive
        } else {
            Liveness::Dead(format!(
                "its process ({}) has not been heard from for {} s",
                self.describe(),
                silent.as_secs()
            ))
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn this_process_is_alive_and_known_for_certain() {
        let here = Owner::current();
        assert!(here.started.is_some() && here.pid_namespace.is_some());
        assert_eq!(here.liveness(here, 3600 * SECOND, SECOND), Liveness::Alive);
        // The same process seen through another owner id (another build, say):
        // its PID and start time still say it runs.
        let twin = Owner {
            id: "another".into(),
            ..here.clone()
        };
        assert_eq!(twin.liveness(here, 3600 * SECOND, SECOND), Liveness::Alive);
    }

    #[test]
    fn a_reused_or_vanished_pid_is_dead_at_once() {
        let here = Owner::current();
        let reused = Owner {
            id: "old".into(),
            started: here.started.map(|s| s.wrapping_sub(1)),
            ..here.clone()
        };
        assert!(matches!(
            reused.liveness(here, Duration::ZERO, 30 * SECOND),
            Liveness::Dead(why) if why.contains("another process")
        ));
        let vanished = Owner {
            id: "gone".into(),
            pid: u32::MAX - 1,
            ..here.clone()
        };
        assert!(matches!(
            vanished.liveness(here, Duration::ZERO, 30 * SECOND),
            Liveness::Dead(_)
        ));
    }

    #[test]
    fn an_owner_elsewhere_is_judged_by_its_heartbeat() {
        let here = Owner::current();
        // A container: PID 1 in its own namespace, on another host name.
        let container = Owner {
            id: "c".into(),
            host: "worker-7f9c".into(),
            pid_namespace: Some("pid:[4026532999]".into()),
            pid: 1,
            started: Some(42),
        };
        assert_eq!(
            container.liveness(here, 5 * SECOND, 30 * SECOND),
            Liveness::Alive
        );
        assert!(matches!(
            container.liveness(here, 31 * SECOND, 30 * SECOND),
            Liveness::Dead(why) if why.contains("not been heard from")
        ));
        // The same host but another PID namespace: PID 1 there is not ours.
        let same_host = Owner {
            host: here.host.clone(),
            ..container
        };
        assert_eq!(
            same_host.liveness(here, 5 * SECOND, 30 * SECOND),
            Liveness::Alive
        );
    }
}
