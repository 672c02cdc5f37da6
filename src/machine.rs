//! Who ran it: the machine fingerprint stored with every results file, and
//! the machine's own parallel ceiling.
//!
//! A 2-vCPU virtual machine may give two threads far less than two cores'
//! worth of work (its vCPUs may be hyperthreads of one core, or share a host
//! that is busy). [`measure_ceiling`] measures what this machine can give:
//! the throughput of a pure-ALU spin loop at each thread count relative to
//! one thread, so the report can show how close a variant comes to what was
//! possible, not only to the ideal.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::calibration::spin_rate;
use crate::platform;
use crate::results::{CeilingPoint, Machine, clean_label};

/// The fingerprint of this machine. `label` comes from `PARBENCH_MACHINE`,
/// else [`default_label`]; `repo` is where to ask git for the commit. What
/// the OS cannot say (see [`crate::platform`]) reads "unknown" or `None`.
pub fn fingerprint(repo: &Path) -> Machine {
    let hostname = platform::hostname();
    let cpu_model = platform::cpu_model().unwrap_or_else(|| "unknown".to_string());
    let logical_cores = platform::logical_cores();
    let label = clean_label(
        &std::env::var("PARBENCH_MACHINE")
            .unwrap_or_else(|_| default_label(&hostname, &cpu_model, logical_cores)),
    );
    Machine {
        label,
        hostname,
        os: platform::os_version(),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model,
        logical_cores,
        physical_cores: platform::physical_cores(),
        memory_bytes: platform::total_memory_bytes().unwrap_or(0),
        rustc: command_output(
            Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                .arg("--version"),
        )
        .unwrap_or_else(|| "unknown".to_string()),
        parbench_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: command_output(
            Command::new("git")
                .arg("-C")
                .arg(repo)
                .args(["rev-parse", "HEAD"]),
        ),
        l2_cache_bytes: platform::l2_cache_bytes(),
        last_level_cache_bytes: platform::last_level_cache_bytes(),
        python: crate::python_pool::python3(),
    }
}

/// The label of a machine when `PARBENCH_MACHINE` is not set: the hostname
/// and a short hash of what it runs on, `runnervm-3f9a1c`. CI runners share
/// host names; the hash tells their hardware apart, so two different
/// machines never write (or merge into) one file.
pub fn default_label(hostname: &str, cpu_model: &str, logical_cores: u64) -> String {
    format!(
        "{}-{}",
        clean_label(hostname),
        hardware_hash(cpu_model, logical_cores)
    )
}

/// Six hex digits of the FNV-1a hash of the CPU model and the logical core
/// count: stable across runs, builds and platforms (std's hasher is
/// randomised per process, so it cannot serve).
pub fn hardware_hash(cpu_model: &str, logical_cores: u64) -> String {
    short_hash(&format!("{cpu_model}\u{0}{logical_cores}"))
}

/// Six hex digits of the FNV-1a hash of `text`: stable across runs, builds
/// and platforms. Names a machine's hardware ([`hardware_hash`]) and a
/// run's plan (`results::Plan::keys_hash`).
pub fn short_hash(text: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = text
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    format!("{:06x}", hash >> 40)
}

impl Machine {
    /// [`hardware_hash`] of this machine: what [`default_label`] appends.
    pub fn hardware_hash(&self) -> String {
        hardware_hash(&self.cpu_model, self.logical_cores)
    }

    /// Whether two fingerprints describe the same hardware (CPU model and
    /// logical cores): runs of one label on different hardware are never
    /// merged into one file, and the report names them apart.
    pub fn same_hardware(&self, other: &Machine) -> bool {
        self.cpu_model == other.cpu_model && self.logical_cores == other.logical_cores
    }

    /// `Xeon Platinum 8370C, 4 cores`: the CPU model without its vendor's
    /// trademarks and clock, and the logical cores.
    pub fn hardware_summary(&self) -> String {
        const NOISE: &[&str] = &["(R)", "(TM)", "(tm)", "Intel", "AMD", "CPU", "Processor"];
        let model = self.cpu_model.split(" @ ").next().unwrap_or_default();
        let words: Vec<&str> = model
            .split_whitespace()
            .filter(|w| !NOISE.contains(w) && !w.ends_with("-Core"))
            .map(|w| w.trim_end_matches("(R)").trim_end_matches("(TM)"))
            .filter(|w| !w.is_empty() && !NOISE.contains(w))
            .collect();
        let model = if words.is_empty() {
            "unknown CPU".to_string()
        } else {
            words.join(" ")
        };
        let cores = self.logical_cores;
        format!("{model}, {cores} core{}", if cores == 1 { "" } else { "s" })
    }
}

/// The trimmed stdout of a command that succeeded.
fn command_output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// The spin loop's throughput at each thread count over one thread's. The
/// one-thread rate is measured before and after the others and averaged,
/// so a drifting clock speed does not skew every ratio the same way.
pub fn measure_ceiling(threads: &[usize], window: Duration) -> Vec<CeilingPoint> {
    let single_before = spin_rate(1, window);
    let rates: Vec<(usize, f64)> = threads.iter().map(|&t| (t, spin_rate(t, window))).collect();
    let single = (single_before + spin_rate(1, window)) / 2.0;
    rates
        .into_iter()
        .map(|(t, rate)| CeilingPoint {
            threads: t as u64,
            speedup: rate / single,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_filled_in() {
        let m = fingerprint(Path::new(env!("CARGO_MANIFEST_DIR")));
        assert!(
            !m.label.is_empty()
                && m.label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        );
        assert!(m.logical_cores >= 1);
        assert!(m.memory_bytes > 0);
        assert_eq!(m.arch, std::env::consts::ARCH);
    }

    #[test]
    fn default_labels_tell_hardware_apart_and_never_change() {
        // Fixed: FNV-1a, not a per-process randomised hasher.
        assert_eq!(
            hardware_hash("AMD EPYC 7763 64-Core Processor", 4),
            hardware_hash("AMD EPYC 7763 64-Core Processor", 4)
        );
        // Pinned: a label computed today must be the label computed next year.
        assert_eq!(
            hardware_hash("AMD EPYC 7763 64-Core Processor", 4),
            "8f3771"
        );
        let a = default_label("runner vm", "AMD EPYC 7763 64-Core Processor", 4);
        let b = default_label(
            "runner vm",
            "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz",
            4,
        );
        let c = default_label("runner vm", "AMD EPYC 7763 64-Core Processor", 2);
        assert!(
            a.starts_with("runner_vm-") && a.len() == "runner_vm-".len() + 6,
            "{a}"
        );
        assert!(a != b && a != c && b != c, "{a} {b} {c}");
        assert_eq!(clean_label(&a), a, "already a safe file name");
    }

    #[test]
    fn hardware_summaries_keep_the_model_and_the_cores() {
        let mut m = fingerprint(Path::new(env!("CARGO_MANIFEST_DIR")));
        m.cpu_model = "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz".to_string();
        m.logical_cores = 4;
        assert_eq!(m.hardware_summary(), "Xeon Platinum 8370C, 4 cores");
        let mut other = m.clone();
        other.cpu_model = "AMD EPYC 7763 64-Core Processor".to_string();
        assert_eq!(other.hardware_summary(), "EPYC 7763, 4 cores");
        assert!(!m.same_hardware(&other) && m.same_hardware(&m.clone()));
        assert_ne!(m.hardware_hash(), other.hardware_hash());
    }

    #[test]
    fn ceiling_has_one_point_per_thread_count() {
        let points = measure_ceiling(&[1, 2], Duration::from_millis(20));
        assert_eq!(
            points.iter().map(|p| p.threads).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(
            points
                .iter()
                .all(|p| p.speedup.is_finite() && p.speedup > 0.0)
        );
    }
}
