//! What the bench reads from its environment and from the arguments cargo
//! hands it: the `PARBENCH_*` settings that are not the profile's, and the
//! little parbench must know of criterion's own flags (whether this run
//! measures, its filter, the settings it overrides) without parsing them
//! for criterion.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::key::Key;
use crate::profile::{CriterionSettings, Profile};

/// `PARBENCH_CALLER_WORK_MS`: the caller's work before each intermittent
/// call, at least (unset: [`DEFAULT_CALLER_WORK`]).
pub fn caller_work_from(value: Option<&str>) -> Result<Duration> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_CALLER_WORK),
        Some(text) => match text.parse::<f64>() {
            Ok(ms) if ms.is_finite() && (0.0..=10_000.0).contains(&ms) => {
                Ok(Duration::from_secs_f64(ms / 1e3))
            }
            _ => bail!(
                "PARBENCH_CALLER_WORK_MS='{text}' is not a number of milliseconds from 0 to 10000"
            ),
        },
    }
}

/// `PARBENCH_RESUME`: `1` continues the interrupted run of this machine.
pub fn resume_from(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => bail!("PARBENCH_RESUME='{other}' is not 0 or 1"),
    }
}

/// Where the results and the report go: `PARBENCH_REPORTS_DIR` (relative
/// to the package), else `reports/` in the package.
pub fn reports_dir(repo: &Path, value: Option<std::ffi::OsString>) -> std::path::PathBuf {
    match value.filter(|v| !v.is_empty()) {
        Some(dir) => repo.join(dir),
        None => repo.join("reports"),
    }
}

/// What parbench needs to know of the arguments cargo hands the bench
/// binary. Criterion parses them itself (its filter included); parbench only
/// looks for the flags that decide whether results are written and which
/// settings they record.
pub struct BenchArgs {
    /// Real measurement: `cargo bench` without `--test`, `--list` or
    /// `--profile-time`. Only then are results written.
    pub measuring: bool,
    /// `--list`: criterion only names the benchmarks, so nothing is run.
    pub listing: bool,
    /// Criterion settings given on the command line, with their values.
    overrides: Vec<(&'static str, String)>,
    /// Criterion's filter (the first argument that is neither a flag nor a
    /// flag's value), which parbench applies the same way to the benchmarks
    /// it measures itself (the intermittent regime).
    filter: Option<String>,
    /// `--exact`: the filter is the whole key, not a regex.
    exact: bool,
}

/// Criterion's flags that change the settings recorded in a results file.
pub(super) const CRITERION_SETTING_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
];

/// Criterion's flags that take a value (skipped when looking for the filter).
pub(super) const CRITERION_VALUE_FLAGS: &[&str] = &[
    "--warm-up-time",
    "--measurement-time",
    "--sample-size",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--save-baseline",
    "-s",
    "--baseline",
    "-b",
    "--baseline-lenient",
    "--load-baseline",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "--format",
    "--color",
    "-c",
];

/// The first argument that is neither a flag nor the value of one.
pub(super) fn positional(args: &[String]) -> Option<String> {
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if arg.starts_with('-') {
            skip_value = !arg.contains('=') && CRITERION_VALUE_FLAGS.contains(&arg.as_str());
            continue;
        }
        return Some(arg.clone());
    }
    None
}

/// The value of `--flag value` or `--flag=value`.
pub(super) fn option_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.strip_prefix(flag) {
            Some("") => args.get(i + 1).map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        })
}

impl BenchArgs {
    pub fn parse(args: &[String]) -> BenchArgs {
        let has = |flag: &str| args.iter().any(|a| a == flag);
        // Criterion saves no new estimates when discarding or loading a
        // baseline: there would be nothing of this run's to write.
        let measuring = has("--bench")
            && !has("--test")
            && !has("--list")
            && !has("--discard-baseline")
            && !args
                .iter()
                .any(|a| a.starts_with("--profile-time") || a.starts_with("--load-baseline"));
        BenchArgs {
            measuring,
            listing: has("--list"),
            overrides: CRITERION_SETTING_FLAGS
                .iter()
                .filter_map(|&flag| Some((flag, option_value(args, flag)?.to_string())))
                .collect(),
            filter: positional(args),
            exact: has("--exact"),
        }
    }

    /// Does criterion's filter select the benchmark with this key text? A
    /// regex searched in it, or with `--exact` the whole text, as criterion
    /// matches its own ids. An invalid regex is an error naming it.
    pub fn selector(&self) -> Result<impl Fn(&Key) -> bool + use<>> {
        let regex = match (&self.filter, self.exact) {
            (Some(filter), false) => Some(
                regex::Regex::new(filter)
                    .map_err(|e| anyhow::anyhow!("the filter '{filter}' is not a regex: {e}"))?,
            ),
            _ => None,
        };
        let (filter, exact) = (self.filter.clone(), self.exact);
        Ok(move |key: &Key| {
            let text = key.to_string();
            match (&filter, exact, &regex) {
                (None, ..) => true,
                (Some(f), true, _) => text == *f,
                (_, _, Some(regex)) => regex.is_match(&text),
                _ => true,
            }
        })
    }

    /// The profile's criterion settings with criterion's own command-line
    /// flags applied, as criterion will use them (so the results file
    /// records what was really used).
    pub fn settings(&self, profile: Profile) -> Result<CriterionSettings> {
        let mut settings = profile.criterion_settings();
        for (flag, value) in &self.overrides {
            let number: f64 = value
                .parse()
                .map_err(|_| anyhow::anyhow!("{flag} '{value}' is not a number"))?;
            match *flag {
                "--warm-up-time" => settings.warm_up_ms = (number * 1e3).round() as u64,
                "--measurement-time" => settings.measurement_ms = (number * 1e3).round() as u64,
                "--sample-size" => settings.sample_size = number as u64,
                _ => settings.nresamples = number as u64,
            }
        }
        Ok(settings)
    }
}

/// How long the caller works before each intermittent call, at least,
/// unless `PARBENCH_CALLER_WORK_MS` says otherwise: 1 ms, or one run of the
/// workload's sequential loop if that is longer (10 ms on compute).
pub const DEFAULT_CALLER_WORK: Duration = Duration::from_millis(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_and_args_parse() {
        assert_eq!(Profile::parse(None).unwrap(), Profile::Default);
        assert_eq!(Profile::parse(Some("quick")).unwrap(), Profile::Quick);
        assert!(
            Profile::parse(Some("fast"))
                .unwrap_err()
                .to_string()
                .contains("'fast'")
        );
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parsed = BenchArgs::parse(&args(&["--bench", "--sample-size", "10", "closure/rayon"]));
        assert!(parsed.measuring);
        assert!(
            !BenchArgs::parse(&args(&[])).measuring,
            "cargo test --benches runs in test mode"
        );
        for not_measuring in [
            &["--bench", "--test"][..],
            &["--bench", "--discard-baseline"],
            &["--bench", "--load-baseline", "old"],
            &["--bench", "--profile-time", "5"],
        ] {
            assert!(
                !BenchArgs::parse(&args(not_measuring)).measuring,
                "{not_measuring:?}"
            );
        }
        let overridden = BenchArgs::parse(&args(&[
            "--bench",
            "--measurement-time",
            "2.5",
            "--sample-size=20",
        ]));
        let selects = |a: &[&str], key: &str| {
            BenchArgs::parse(&args(a)).selector().unwrap()(&key.parse::<Key>().unwrap())
        };
        let key = "compute/closure/rayon/2/intermittent";
        assert!(selects(&["--bench"], key));
        assert!(selects(&["--bench", "closure/rayon"], key));
        assert!(selects(
            &["--bench", "--save-baseline", "x", "intermittent$"],
            key
        ));
        assert!(!selects(
            &["--bench", "--sample-size", "10", "crossbeam"],
            key
        ));
        assert!(!selects(
            &["--bench", "--exact", "compute/closure/rayon/2"],
            key
        ));
        assert!(selects(&["--bench", "--exact", key], key));
        assert!(
            BenchArgs::parse(&args(&["--bench", "("]))
                .selector()
                .is_err()
        );
        let settings = overridden.settings(Profile::Quick).unwrap();
        assert_eq!((settings.measurement_ms, settings.sample_size), (2500, 20));
        assert_eq!(
            settings.warm_up_ms,
            Profile::Quick.criterion_settings().warm_up_ms
        );
    }
}
