//! Who ran it: the machine fingerprint stored with every results file, and
//! the machine's own parallel ceiling.
//!
//! A 2-vCPU virtual machine may give two threads far less than two cores'
//! worth of work (its vCPUs may be hyperthreads of one core, or share a host
//! that is busy). [`measure_ceiling`] measures what this machine can give:
//! the throughput of a pure-ALU spin loop at each thread count relative to
//! one thread, so the report can show how close a variant comes to what was
//! possible, not only to the ideal.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::results::{CeilingPoint, Machine, clean_label};

/// The fingerprint of this machine. `label` comes from `PARBENCH_MACHINE`,
/// else the hostname; `repo` is where to ask git for the commit.
pub fn fingerprint(repo: &Path) -> Machine {
    let hostname = gethostname::gethostname().to_string_lossy().into_owned();
    let label =
        clean_label(&std::env::var("PARBENCH_MACHINE").unwrap_or_else(|_| hostname.clone()));
    let (cpu_model, memory_bytes) = match sysinfo::System::new() {
        Ok(mut system) => {
            system.refresh_memory();
            system.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
            let model = system
                .cpus()
                .first()
                .map(|c| c.brand().trim().to_string())
                .unwrap_or_default();
            (model, system.total_memory())
        }
        Err(_) => (String::new(), 0),
    };
    Machine {
        label,
        hostname,
        os: sysinfo::System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_string()),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model: if cpu_model.is_empty() {
            "unknown".to_string()
        } else {
            cpu_model
        },
        logical_cores: num_cpus::get() as u64,
        physical_cores: Some(num_cpus::get_physical() as u64).filter(|&n| n > 0),
        memory_bytes,
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
        l2_cache_bytes: cache_bytes(|level| level == 2),
        last_level_cache_bytes: cache_bytes(|_| true),
        python: crate::python_pool::python3(),
    }
}

/// The size of the largest-level data (or unified) cache of cpu0 among
/// the levels `wanted` accepts, from Linux's sysfs; `None` elsewhere.
fn cache_bytes(wanted: impl Fn(u32) -> bool) -> Option<u64> {
    let dir = Path::new("/sys/devices/system/cpu/cpu0/cache");
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .ok()
            .map(|t| t.trim().to_string())
    };
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| {
            let index = entry.ok()?.path();
            let level: u32 = read(&index.join("level"))?.parse().ok()?;
            let kind = read(&index.join("type"))?;
            let bytes = parse_cache_size(&read(&index.join("size"))?)?;
            (wanted(level) && kind != "Instruction").then_some((level, bytes))
        })
        .max()
        .map(|(_, bytes)| bytes)
}

/// `32K`, `2048K`, `1M` as sysfs writes cache sizes.
fn parse_cache_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = digits.parse().ok()?;
    match unit {
        "K" => Some(n << 10),
        "M" => Some(n << 20),
        "G" => Some(n << 30),
        _ => None,
    }
}

/// The trimmed stdout of a command that succeeded.
fn command_output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// Spins a dependent ALU chain until `stop`; returns the iterations done.
fn spin(stop: &AtomicBool) -> u64 {
    let mut x = black_box(0x1234_5678_u64);
    let mut iterations = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..1024 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        iterations += 1024;
    }
    black_box(x);
    iterations
}

/// Total spin iterations per second on `threads` threads during `window`.
pub fn spin_rate(threads: usize, window: Duration) -> f64 {
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(|| spin(&stop))).collect();
        std::thread::sleep(window);
        stop.store(true, Ordering::Relaxed);
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
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
    fn cache_sizes_parse_as_sysfs_writes_them() {
        assert_eq!(parse_cache_size("2048K"), Some(2 << 20));
        assert_eq!(parse_cache_size("32M"), Some(32 << 20));
        assert_eq!(parse_cache_size("512"), None);
        assert_eq!(parse_cache_size("1X"), None);
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
