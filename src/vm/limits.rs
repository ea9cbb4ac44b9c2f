//! Every resource bound of a VM, in one place, with its default.

use crate::error::{ApiCode, Error, Result};
use crate::kernel::vfs::FsLimits;

const MIB: u64 = 1024 * 1024;

/// Resource limits of one VM. A guest that reaches one is stopped (or its call fails) with a
/// clear error; the host and other VMs carry on. Each field documents its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Heap of one guest JavaScript process, in MiB. Default: 128.
    pub memory_mb: u32,
    /// CPU time of one guest process, in ms; `None` is unbounded. Default: unbounded.
    pub cpu_time_ms: Option<u64>,
    /// Processes alive at once in the VM. Default: 256.
    pub max_processes: u32,
    /// Open file descriptors per process. Default: 1024.
    pub max_open_files: u32,
    /// Bytes of output kept per process stream for late listeners. Default: 1 MiB.
    pub max_output_bytes: u64,
    /// Size of one file. Default: 512 MiB.
    pub max_file_bytes: u64,
    /// Total bytes of all files in the VM's own (in-memory) filesystem. Default: 1 GiB.
    pub max_fs_bytes: u64,
    /// Bytes buffered in one pipe before writers wait. Default: 64 KiB.
    pub max_pipe_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_mb: 128,
            cpu_time_ms: None,
            max_processes: 256,
            max_open_files: 1024,
            max_output_bytes: MIB,
            max_file_bytes: 512 * MIB,
            max_fs_bytes: 1024 * MIB,
            max_pipe_bytes: 64 * 1024,
        }
    }
}

/// Limits as given by a user: every field optional, numbers as JS gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LimitsInput {
    /// See [`Limits::memory_mb`].
    pub memory_mb: Option<f64>,
    /// See [`Limits::cpu_time_ms`].
    pub cpu_time_ms: Option<f64>,
    /// See [`Limits::max_processes`].
    pub max_processes: Option<f64>,
    /// See [`Limits::max_open_files`].
    pub max_open_files: Option<f64>,
    /// See [`Limits::max_output_bytes`].
    pub max_output_bytes: Option<f64>,
    /// See [`Limits::max_file_bytes`].
    pub max_file_bytes: Option<f64>,
    /// See [`Limits::max_fs_bytes`].
    pub max_fs_bytes: Option<f64>,
    /// See [`Limits::max_pipe_bytes`].
    pub max_pipe_bytes: Option<f64>,
}

fn positive(name: &str, v: Option<f64>, max: u64) -> Result<Option<u64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 1.0 && x.fract() == 0.0 && x <= max as f64 => {
            Ok(Some(x as u64))
        }
        Some(x) => Err(Error::api(
            ApiCode::InvalidOptions,
            format!("limits.{name} must be a positive integer no larger than {max}, got {x}"),
        )),
    }
}

impl Limits {
    /// Defaults overridden by `input`; invalid values are `ERR_AGENT_OS_INVALID_OPTIONS`.
    pub fn from_input(input: &LimitsInput) -> Result<Limits> {
        let d = Limits::default();
        let small = u64::from(u32::MAX);
        let big = 1u64 << 53;
        Ok(Limits {
            memory_mb: positive("memoryMb", input.memory_mb, 1 << 20)?
                .map_or(d.memory_mb, |v| v as u32),
            cpu_time_ms: positive("cpuTimeMs", input.cpu_time_ms, big)?.or(d.cpu_time_ms),
            max_processes: positive("maxProcesses", input.max_processes, small)?
                .map_or(d.max_processes, |v| v as u32),
            max_open_files: positive("maxOpenFiles", input.max_open_files, small)?
                .map_or(d.max_open_files, |v| v as u32),
            max_output_bytes: positive("maxOutputBytes", input.max_output_bytes, big)?
                .unwrap_or(d.max_output_bytes),
            max_file_bytes: positive("maxFileBytes", input.max_file_bytes, big)?
                .unwrap_or(d.max_file_bytes),
            max_fs_bytes: positive("maxFsBytes", input.max_fs_bytes, big)?
                .unwrap_or(d.max_fs_bytes),
            max_pipe_bytes: positive("maxPipeBytes", input.max_pipe_bytes, big)?
                .unwrap_or(d.max_pipe_bytes),
        })
    }

    /// The filesystem part.
    pub fn fs(&self) -> FsLimits {
        FsLimits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_fs_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let l = Limits::from_input(&LimitsInput::default()).unwrap();
        assert_eq!(l, Limits::default());
        let l = Limits::from_input(&LimitsInput {
            max_fs_bytes: Some(4096.0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(l.fs().max_total_bytes, 4096);
    }

    #[test]
    fn bad_values_are_invalid_options() {
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY] {
            let e = Limits::from_input(&LimitsInput {
                max_processes: Some(bad),
                ..Default::default()
            })
            .unwrap_err();
            assert_eq!(e.code(), "ERR_AGENT_OS_INVALID_OPTIONS");
            assert!(e.message().contains("maxProcesses"));
        }
    }
}
