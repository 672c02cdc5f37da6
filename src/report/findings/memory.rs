//! "Does a function object hold the constant state more cheaply than a
//! closure?": the counted deep copies of the state per call, on the
//! workload of a large constant state, at 2 threads where measured (where
//! copies per worker and per task differ most plainly), on the earliest
//! backend in the backends list. Counts, not timings: no margin.

use super::*;

pub(super) fn finding(index: &Index<'_>) -> Finding {
    let question =
        "Does a function object hold the constant state more cheaply than a closure (partial)?";
    let id = "state-copies";
    let Some(big_state) = index.workloads_for(Purpose::StateSize).first().copied() else {
        return not_answered(
            question,
            id,
            "no workload with a large constant state was run on this machine, so copies of the state \
             were not counted."
                .to_string(),
        );
    };
    let counted: Vec<&Benchmark> = index
        .of_workload(big_state)
        .into_iter()
        .filter(|b| b.memory.state_copies.is_some())
        .collect();
    let Some(threads_used) = counted
        .iter()
        .map(|b| b.key.threads)
        .filter(|t| *t > 1)
        .min_by_key(|t| (*t != 2, *t))
        .or_else(|| counted.first().map(|b| b.key.threads))
    else {
        return not_answered(
            question,
            id,
            format!(
                "the {big_state} entries carry no memory figures (a schema 1 file, or no memory pass)."
            ),
        );
    };
    let Some(backend) = counted
        .iter()
        .filter(|b| b.key.threads == threads_used && Role::MEMORY_QUESTION.contains(&b.role))
        .map(|b| b.key.backend.as_str())
        .min_by_key(|b| backend_rank(b))
    else {
        return not_answered(
            question,
            id,
            format!(
                "none of the variants that copy, share or borrow the state has memory figures on {big_state}."
            ),
        );
    };
    let at = |role: Role| {
        counted
            .iter()
            .copied()
            .find(|b| b.role == role && b.key.backend == backend && b.key.threads == threads_used)
    };
    let copies = |b: &Benchmark| b.memory.state_copies.unwrap_or_default();
    let mut each = Vec::new();
    let mut missing = 0;
    for role in Role::MEMORY_QUESTION {
        match at(role) {
            Some(b) => {
                let mut figures = Vec::new();
                if let Some(n) = b.memory.bytes_allocated {
                    figures.push(format!("{} allocated", bytes(n)));
                }
                if let Some(n) = b.memory.peak_live_bytes {
                    figures.push(format!("peak {} live", bytes(n)));
                }
                let figures = if figures.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", figures.join(", "))
                };
                each.push(format!("{} {}{figures}", b.key.variant, copies(b)));
            }
            None => missing += 1,
        }
    }
    let mut answer = format!(
        "On {big_state} with {backend} at {}, the deep copies of the constant state made by one call were: {}.",
        threads(threads_used),
        listing(&each)
    );
    let partial = at(Role::PartialIdiom);
    let mut short = None;
    if let (Some(object), Some(closure)) = (at(Role::CallableClassIdiom), partial) {
        // Words only: the counts follow the chunks, which follow the cores.
        short = Some(
            match copies(object).cmp(&copies(closure)) {
                std::cmp::Ordering::Equal => "a function object copies as often as a closure",
                std::cmp::Ordering::Less => "a function object copies less often than a closure",
                std::cmp::Ordering::Greater => "a function object copies more often than a closure",
            }
            .to_string(),
        );
        answer.push_str(&if copies(object) == copies(closure) {
            format!(
                " A function object copies the state exactly as often as a closure capturing it ({} times).",
                copies(closure)
            )
        } else {
            format!(
                " A function object made {} copies against {} for a closure capturing it.",
                copies(object),
                copies(closure)
            )
        });
    }
    if let (Some(per_task), Some(closure)) = (at(Role::CopyPerTask), partial) {
        let allocated = match (
            per_task.memory.bytes_allocated,
            closure.memory.bytes_allocated,
        ) {
            (Some(p), Some(c)) => format!(", allocating {} against {}", bytes(p), bytes(c)),
            _ => String::new(),
        };
        answer.push_str(&format!(
            " Copying the state per task made {} copies where borrowing it made {}{allocated}.",
            copies(per_task),
            copies(closure)
        ));
    }
    let elsewhere: Vec<String> = counted
        .iter()
        .filter(|b| {
            b.role == Role::CopyPerTask && b.key.threads == threads_used && b.key.backend != backend
        })
        .map(|b| format!("{} with {}", copies(b), b.key.backend))
        .collect();
    if let (false, Some(per_task)) = (elsewhere.is_empty(), at(Role::CopyPerTask)) {
        answer.push_str(&format!(
            " On the other backends at {}, {} made {}.",
            threads(threads_used),
            per_task.key.variant,
            listing(&elsewhere)
        ));
    }
    if missing > 0 {
        answer.push_str(&format!(
            " {missing} of the {} ways of holding the state {} not measured there.",
            Role::MEMORY_QUESTION.len(),
            if missing == 1 { "was" } else { "were" }
        ));
    }
    let mut finding = Finding::new(question, id, answer);
    if let Some(short) = short {
        finding.claims.push(Claim::decided("", short));
        finding.points = Role::MEMORY_QUESTION.len() - missing;
    }
    if let (Some(object), Some(closure)) = (at(Role::CallableClassIdiom), partial) {
        finding.figure = Some(format!(
            "{} {} copies, {} {} per call ({big_state}, {backend}, {})",
            object.key.variant,
            copies(object),
            closure.key.variant,
            copies(closure),
            threads(threads_used)
        ));
    }
    finding
}
