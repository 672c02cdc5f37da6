//! What the process backend needs from the operating system, in one file:
//! a process's peak resident set (the seed's "does each process have a
//! copy"), read by every worker about itself, and by the counting pass of
//! the parent (`crate::memory`). Linux reads it from `/proc`; elsewhere each
//! function says "unknown" (`None`, `false`) and never fails.

/// Resets this process's peak-RSS mark, so the next [`peak_rss_bytes`] is
/// the peak since now. Linux >= 4.0 (`/proc/self/clear_refs`); `false`
/// elsewhere, or when the kernel refuses.
pub fn reset_peak_rss() -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::write("/proc/self/clear_refs", "5").is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// This process's peak resident set in bytes (`VmHWM` of
/// `/proc/self/status` on Linux), `None` where the OS does not say.
pub fn peak_rss_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line
            .trim_start_matches("VmHWM:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_rss_is_known_on_linux_and_never_fails_elsewhere() {
        let peak = super::peak_rss_bytes();
        if cfg!(target_os = "linux") {
            assert!(peak.unwrap() > 0);
        } else {
            assert!(peak.is_none());
        }
        let _ = super::reset_peak_rss();
    }
}
