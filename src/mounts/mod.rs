//! Mountable filesystem backends that reach outside the VM: `s3` (an S3-compatible bucket).
//! `host_dir` lives in `kernel/vfs/hostdir.rs` and `memory` is `kernel/vfs/memfs.rs`.

pub mod s3;
