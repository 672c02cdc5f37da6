//! Everything that depends on the operating system, in one place.
//!
//! parbench runs on Linux, macOS and Windows (the CI matrix runs all
//! three). Each question it asks the OS is one function here returning
//! `Option`: `None` means "unknown on this platform", which the results file
//! stores as `null` and the report shows as unknown. Nothing here fails: a
//! platform without an answer gets `None`, never an error, a zero or a
//! guess. Callers never use `libc`, `/proc` or `/sys` themselves.
//!
//! | question | Linux | macOS | Windows |
//! |---|---|---|---|
//! | CPU model, memory, OS | sysinfo | sysinfo | sysinfo |
//! | physical cores | num_cpus | num_cpus | num_cpus |
//! | process CPU time | `CLOCK_PROCESS_CPUTIME_ID` | `CLOCK_PROCESS_CPUTIME_ID` | `GetProcessTimes` |
//! | peak RSS (whole process) | `getrusage`, KiB | `getrusage`, bytes | unknown |
//! | peak RSS of one call, here and in each worker process (resettable) | `/proc/self/clear_refs`, `VmHWM` | unknown | unknown |
//! | cache sizes | sysfs | `sysctl hw.l2cachesize`, `hw.l3cachesize` | unknown |
//! | pin a thread to the CPU it runs on | `sched_setaffinity` | not pinned | not pinned |

use std::time::Duration;

/// This host's name, as the OS gives it (lossily made UTF-8).
pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// The OS and its version, e.g. `Linux (Debian GNU/Linux 12)`; the OS
/// family alone when the version is unknown.
pub fn os_version() -> String {
    sysinfo::System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_string())
}

/// The CPU's brand string, e.g. `AMD EPYC 7763 64-Core Processor`.
pub fn cpu_model() -> Option<String> {
    let mut system = sysinfo::System::new().ok()?;
    system.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
    let model = system.cpus().first()?.brand().trim().to_string();
    (!model.is_empty()).then_some(model)
}

/// Installed memory, in bytes.
pub fn total_memory_bytes() -> Option<u64> {
    let mut system = sysinfo::System::new().ok()?;
    system.refresh_memory();
    Some(system.total_memory()).filter(|&bytes| bytes > 0)
}

/// The logical cores this process may use (at least 1).
pub fn logical_cores() -> u64 {
    num_cpus::get() as u64
}

/// The physical cores, where the OS tells them apart from logical ones.
pub fn physical_cores() -> Option<u64> {
    Some(num_cpus::get_physical() as u64).filter(|&n| n > 0)
}

/// The CPU time this process has used so far, every thread, user and
/// system (`CLOCK_PROCESS_CPUTIME_ID` on Unix, `GetProcessTimes` on
/// Windows); `None` where there is no such clock (the "cores busy" figures
/// then read unknown).
pub fn process_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the call's duration.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    #[cfg(windows)]
    {
        use windows_sys::Win32::Foundation::FILETIME;
        use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetProcessTimes};
        let zero = || FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut created, mut exited, mut kernel, mut user) = (zero(), zero(), zero(), zero());
        // SAFETY: the pseudo-handle of the current process needs no closing,
        // and the four FILETIMEs are valid and writable during the call.
        let ok = unsafe {
            GetProcessTimes(
                GetCurrentProcess(),
                &mut created,
                &mut exited,
                &mut kernel,
                &mut user,
            )
        };
        // FILETIME counts 100 ns intervals.
        let ticks = |t: &FILETIME| (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime);
        (ok != 0).then(|| Duration::from_nanos((ticks(&kernel) + ticks(&user)) * 100))
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// The peak resident set size of this process since it started, in bytes
/// (not resettable: [`peak_rss_since_reset`] measures one call).
pub fn peak_rss_bytes() -> Option<u64> {
    #[cfg(unix)]
    {
        max_rss(libc::RUSAGE_SELF)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Resets the kernel's peak-RSS mark (Linux >= 4.0, `/proc/self/clear_refs`),
/// so [`peak_rss_since_reset`] reads the peak of what runs next only. False
/// where the mark cannot be reset (other systems): the per-call peak is then
/// unknown.
pub fn reset_peak_rss() -> bool {
    cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak RSS since [`reset_peak_rss`] (`VmHWM` of `/proc/self/status`),
/// in bytes; Linux only.
pub fn peak_rss_since_reset() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
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

/// `ru_maxrss` of `getrusage(who)` in bytes: Linux reports KiB, macOS bytes.
#[cfg(unix)]
fn max_rss(who: libc::c_int) -> Option<u64> {
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the call's duration.
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    let reported = u64::try_from(usage.ru_maxrss).ok().filter(|_| rc == 0)?;
    let bytes = if cfg!(target_os = "macos") {
        reported
    } else {
        reported * 1024
    };
    Some(bytes).filter(|&b| b > 0)
}

/// The calling thread pinned to one CPU until this drops, when its former
/// affinity is restored ([`pin_to_current_cpu`]). It stays on the thread it
/// pinned (not `Send`): the restoring call acts on the thread that drops it.
pub struct Pinned {
    #[cfg(target_os = "linux")]
    former: libc::cpu_set_t,
    /// The CPU it is pinned to.
    pub cpu: usize,
    stays_on_its_thread: std::marker::PhantomData<*const ()>,
}

/// Pins the calling thread to the CPU it is running on (Linux:
/// `sched_getcpu`, `sched_setaffinity`). `None` where threads cannot be
/// pinned (other systems) or the kernel refused.
pub fn pin_to_current_cpu() -> Option<Pinned> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a plain libc call about the calling thread.
        let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).ok()?;
        pin_to_cpu(cpu)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Pins the calling thread to `cpu` until the result drops. `None` where
/// threads cannot be pinned (other systems) or the kernel refused.
pub fn pin_to_cpu(cpu: usize) -> Option<Pinned> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain libc calls on the calling thread (pid 0), with an
        // all-zero cpu_set_t (a valid empty set) filled by the kernel.
        unsafe {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            let mut former: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size, &mut former) != 0 {
                return None;
            }
            pin_calling_thread(cpu).then_some(Pinned {
                former,
                cpu,
                stays_on_its_thread: std::marker::PhantomData,
            })
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        None
    }
}

/// Pins the calling thread to `cpu` for good (a pool's thread, which ends
/// with its pool). False where threads cannot be pinned.
pub fn pin_calling_thread(cpu: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET stays in
        // its bounds for any cpu below CPU_SETSIZE, which the kernel's CPU
        // numbers are.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        false
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: restores the set read by `sched_getaffinity` on this thread.
        unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.former);
        }
    }
}

/// One core's level-2 data (or unified) cache, in bytes.
pub fn l2_cache_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        linux_cache_bytes(|level| level == 2)
    }
    #[cfg(target_os = "macos")]
    {
        macos_sysctl_u64(c"hw.l2cachesize")
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        None
    }
}

/// The last-level cache, in bytes.
pub fn last_level_cache_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        linux_cache_bytes(|_| true)
    }
    #[cfg(target_os = "macos")]
    {
        macos_sysctl_u64(c"hw.l3cachesize").or_else(|| macos_sysctl_u64(c"hw.l2cachesize"))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        None
    }
}

/// The size of the largest-level data (or unified) cache of cpu0 among
/// the levels `wanted` accepts, from sysfs.
#[cfg(target_os = "linux")]
fn linux_cache_bytes(wanted: impl Fn(u32) -> bool) -> Option<u64> {
    use std::path::{Path, PathBuf};
    let dir: PathBuf = ["/sys", "devices", "system", "cpu", "cpu0", "cache"]
        .iter()
        .collect();
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

/// A numeric `sysctl` value by name; `None` when the name does not exist
/// (Apple silicon has no `hw.l3cachesize`).
#[cfg(target_os = "macos")]
fn macos_sysctl_u64(name: &std::ffi::CStr) -> Option<u64> {
    let mut value: u64 = 0;
    let mut size = std::mem::size_of::<u64>();
    // SAFETY: `value` and `size` are valid and writable, `size` holds the
    // buffer's length, and no new value is set.
    let rc = unsafe {
        libc::sysctlbyname(
            name.as_ptr(),
            (&mut value as *mut u64).cast(),
            &mut size,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0 && value > 0).then_some(value)
}

/// `32K`, `2048K`, `1M` as sysfs writes cache sizes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn cache_sizes_parse_as_sysfs_writes_them() {
        assert_eq!(parse_cache_size("2048K"), Some(2 << 20));
        assert_eq!(parse_cache_size("32M"), Some(32 << 20));
        assert_eq!(parse_cache_size("512"), None);
        assert_eq!(parse_cache_size("1X"), None);
    }

    #[test]
    fn process_cpu_clock_advances_when_spinning() {
        if let Some(before) = process_cpu_time() {
            let started = Instant::now();
            // Windows counts CPU time in scheduler ticks (about 15.6 ms).
            while started.elapsed() < Duration::from_millis(50) {
                std::hint::black_box(0u64);
            }
            let after = process_cpu_time().unwrap();
            assert!(after > before);
        } else if cfg!(any(unix, windows)) {
            panic!("unix and Windows have a process CPU clock");
        }
    }

    #[test]
    fn peak_rss_covers_memory_this_process_touched() {
        let Some(_) = peak_rss_bytes() else {
            assert_eq!(
                std::env::consts::FAMILY,
                "windows",
                "getrusage answers on unix"
            );
            return;
        };
        // Touch 64 MiB: the peak is at least that afterwards.
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        let after = peak_rss_bytes().unwrap();
        assert!(
            after >= 64 << 20,
            "peak RSS {after} below the 64 MiB touched"
        );
    }

    #[test]
    fn the_host_is_described() {
        assert!(logical_cores() >= 1);
        assert!(!hostname().is_empty());
        assert!(!os_version().is_empty());
        if cfg!(target_os = "linux") {
            assert!(total_memory_bytes().is_some());
            assert!(physical_cores().is_some());
        }
    }
}
