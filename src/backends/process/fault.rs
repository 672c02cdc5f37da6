//! Test-only fault injection for the worker side of the process backend.
//!
//! The failure paths of the protocol (a worker of another protocol, a reply
//! cut short or garbled, shared memory that cannot be mapped, a worker that
//! dies after answering part of a call) cannot be provoked from outside a
//! healthy worker, so the tests ask one worker to misbehave in a named way:
//! the parent starts worker 0 of a pool with `PARBENCH_WORKER_FAULT` set
//! ([`super::ProcessPool::start_with_fault`], hidden from the docs), and
//! `parbench worker` reads it once, before its loop. Workers started any
//! other way never see it, and a worker without it checks an `Option` once
//! per request, never per item.
//!
//! Faults (`at` counts the chunks this worker received, from 0):
//! - `protocol`: says hello with another protocol number;
//! - `garbled:<at>`: answers chunk `at` with a frame that does not decode;
//! - `truncated:<at>`: writes half of its answer to chunk `at`, then exits;
//! - `exit:<at>`: exits when chunk `at` arrives, after answering the others;
//! - `unmappable`: every file of shared memory (the table, the shared sums)
//!   is looked for at a path that does not exist, so mapping it fails.

use std::io::Write;

use anyhow::{Result, bail};

/// The variable the parent sets for the one worker that misbehaves.
pub const VARIABLE: &str = "PARBENCH_WORKER_FAULT";

/// One way a worker misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Protocol,
    Garbled { at: usize },
    Truncated { at: usize },
    Exit { at: usize },
    Unmappable,
}

impl Fault {
    /// The fault this worker was started with, if any; an unknown name is
    /// an error naming it, so a mistyped test fails loudly.
    pub fn from_env() -> Result<Option<Fault>> {
        match std::env::var(VARIABLE) {
            Ok(text) => Fault::parse(&text).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Parses `protocol`, `garbled:<at>`, `truncated:<at>`, `exit:<at>` or
    /// `unmappable`.
    pub fn parse(text: &str) -> Result<Fault> {
        let (name, at) = match text.split_once(':') {
            Some((name, at)) => match at.parse::<usize>() {
                Ok(at) => (name, Some(at)),
                Err(_) => bail!("{VARIABLE}={text}: '{at}' is not a chunk number"),
            },
            None => (text, None),
        };
        Ok(match (name, at) {
            ("protocol", None) => Fault::Protocol,
            ("unmappable", None) => Fault::Unmappable,
            ("garbled", Some(at)) => Fault::Garbled { at },
            ("truncated", Some(at)) => Fault::Truncated { at },
            ("exit", Some(at)) => Fault::Exit { at },
            _ => bail!(
                "{VARIABLE}={text} is not a fault: protocol, garbled:<at>, truncated:<at>, \
                 exit:<at> or unmappable"
            ),
        })
    }

    /// The text form [`Fault::parse`] reads.
    pub fn name(self) -> String {
        match self {
            Fault::Protocol => "protocol".to_string(),
            Fault::Unmappable => "unmappable".to_string(),
            Fault::Garbled { at } => format!("garbled:{at}"),
            Fault::Truncated { at } => format!("truncated:{at}"),
            Fault::Exit { at } => format!("exit:{at}"),
        }
    }

    /// Before chunk number `seen` of this worker is answered with `reply`
    /// (a whole frame): misbehaves if this is the fault's chunk. Returns
    /// `true` when the reply was replaced (nothing more to send).
    pub fn before_reply(self, seen: usize, reply: &[u8], output: &mut impl Write) -> Result<bool> {
        match self {
            Fault::Exit { at } if at == seen => std::process::exit(3),
            Fault::Truncated { at } if at == seen => {
                output.write_all(&reply[..reply.len() / 2])?;
                output.flush()?;
                std::process::exit(3)
            }
            Fault::Garbled { at } if at == seen => {
                let garbage = [0xffu8; 16];
                output.write_all(&(garbage.len() as u64).to_le_bytes())?;
                output.write_all(&garbage)?;
                output.flush()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The path a worker maps for `path`: one that does not exist under
    /// `unmappable`.
    pub fn shared_path(self, path: &str) -> String {
        match self {
            Fault::Unmappable => format!("{path}.unmappable"),
            _ => path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_reads_back_from_its_name_and_a_typo_is_an_error() {
        for fault in [
            Fault::Protocol,
            Fault::Unmappable,
            Fault::Garbled { at: 1 },
            Fault::Truncated { at: 0 },
            Fault::Exit { at: 2 },
        ] {
            assert_eq!(Fault::parse(&fault.name()).unwrap(), fault);
        }
        for bad in ["exit", "exit:x", "garbeld:1", "protocol:1"] {
            let err = Fault::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
