//! Generated machines for the fleet tests: each one a real results file
//! (`tests/fixtures/real/vm-default.json`, a complete `default` run of a
//! 2-core VM) rewritten as another machine. Nothing is typed in: the core
//! counts run through powers of two up to 64, each machine's speed factor
//! comes from its index (golden-ratio steps over 0.6 to 1.4), and the
//! entries at the real run's largest thread count are extended to the
//! generated machine's cores with an efficiency that falls with the count.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The real `default`-profile run the machines are derived from.
pub fn real_run() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/vm-default.json")
}

/// Core counts the generated machines cycle through.
const CORES: [u64; 6] = [2, 4, 8, 16, 32, 64];

/// Writes `n` generated results files into `dir` (created if needed) and
/// returns their paths.
pub fn generate(n: usize, dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(real_run()).expect("the real run fixture");
    let real: Value = serde_json::from_str(&text).expect("the real run is JSON");
    std::fs::create_dir_all(dir).unwrap();
    (0..n)
        .map(|i| {
            let file = machine(&real, i);
            let path = dir.join(format!(
                "{}.json",
                file["machine"]["label"].as_str().unwrap()
            ));
            std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
            path
        })
        .collect()
}

/// The real run as machine `i`.
pub fn machine(real: &Value, i: usize) -> Value {
    let mut file = real.clone();
    let cores = CORES[i % CORES.len()];
    // Golden-ratio steps spread the speed factors evenly over 0.6..1.4.
    let slowness = 0.6 + 0.8 * (i as f64 * 0.618_033_988_75).fract();
    let model = file["machine"]["cpu_model"]
        .as_str()
        .unwrap_or("cpu")
        .to_string();
    let label = format!("gen-{i:02}-{cores}c");
    let m = &mut file["machine"];
    m["label"] = label.clone().into();
    m["hostname"] = label.into();
    m["cpu_model"] = format!("{model} generated {i}").into();
    m["logical_cores"] = cores.into();
    m["physical_cores"] = cores.into();

    let real_threads: Vec<u64> = file["run"]["threads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    let widest = *real_threads.iter().max().unwrap();
    // Efficiency relative to the widest real count falls 8% per doubling.
    let extension = |threads: u64| {
        let doublings = (threads as f64 / widest as f64).log2();
        (threads as f64 / widest as f64) * 0.92f64.powf(doublings)
    };
    let extra: Vec<u64> = [cores, cores / 2]
        .into_iter()
        .filter(|&t| t > widest)
        .collect();

    let mut benchmarks: Vec<Value> = file["benchmarks"].as_array().unwrap().clone();
    let wide: Vec<Value> = benchmarks
        .iter()
        .filter(|b| b["threads"].as_u64() == Some(widest) && b["backend"] != "sequential")
        .cloned()
        .collect();
    for &threads in &extra {
        for b in &wide {
            let mut b = b.clone();
            let gain = extension(threads);
            b["threads"] = threads.into();
            scale_times(&mut b, 1.0 / gain);
            for field in ["speedup", "speedup_lower", "speedup_upper"] {
                if let Some(s) = b[field].as_f64() {
                    b[field] = (s * gain).into();
                }
            }
            benchmarks.push(b);
        }
    }
    for b in &mut benchmarks {
        scale_times(b, slowness);
    }
    file["benchmarks"] = benchmarks.into();

    let run = &mut file["run"];
    let mut threads = real_threads.clone();
    threads.extend(&extra);
    run["threads"] = threads.clone().into();
    let ceiling: Vec<Value> = threads
        .iter()
        .map(|&t| {
            let speedup = (t.min(cores) as f64) * 0.97f64.powf((t as f64).log2());
            serde_json::json!({"threads": t, "speedup": speedup})
        })
        .collect();
    run["ceiling"] = ceiling.into();
    if let Some(calibration) = run.get_mut("calibration").filter(|c| c.is_object()) {
        for end in ["start", "end"] {
            let c = &mut calibration[end];
            if let Some(spin) = c["spin_per_s"].as_f64() {
                c["spin_per_s"] = (spin / slowness).into();
            }
            if let Some(map) = c["sequential_ns"].as_object_mut() {
                for ns in map.values_mut() {
                    *ns = (ns.as_f64().unwrap_or(0.0) * slowness).into();
                }
            }
        }
    }
    file
}

/// Multiplies every time of an entry (fields and lists ending in `_ns`,
/// and the criterion interval) by `factor`.
fn scale_times(entry: &mut Value, factor: f64) {
    let Some(object) = entry.as_object_mut() else {
        return;
    };
    for (name, value) in object.iter_mut() {
        if name == "time_ns" {
            for part in ["estimate", "lower", "upper", "median"] {
                if let Some(t) = value[part].as_f64() {
                    value[part] = (t * factor).into();
                }
            }
        } else if name.ends_with("_ns") {
            match value {
                Value::Number(n) => *value = (n.as_f64().unwrap_or(0.0) * factor).into(),
                Value::Array(list) => {
                    for t in list.iter_mut() {
                        *t = (t.as_f64().unwrap_or(0.0) * factor).into();
                    }
                }
                _ => {}
            }
        }
    }
}
