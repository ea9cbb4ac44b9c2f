//! Open file descriptions and per-process descriptor tables, with POSIX sharing: `dup` and
//! fork share one description (and its offset); `close-on-exec` entries are dropped by `exec`.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::output::OutputSink;
use super::pipe::{PipeReader, PipeWriter};
use super::pty::{Pty, TtySlave};
use crate::kernel::errno::Errno;
use crate::kernel::net::{Listener, Socket};
use crate::kernel::vfs::{Cred, Vfs, WriteOpts, WritePos};

/// What an open file description refers to.
#[derive(Debug)]
pub enum FileObj {
    /// The read end of a pipe.
    PipeRead(PipeReader),
    /// The write end of a pipe.
    PipeWrite(PipeWriter),
    /// A file (or device) of the VM's filesystem, by its path at open time.
    File {
        /// The namespace.
        vfs: Arc<Vfs>,
        /// Absolute path.
        path: String,
        /// Who opened it.
        cred: Cred,
    },
    /// Output of an API-started process.
    Sink(Arc<OutputSink>),
    /// A connected TCP socket of the VM's network.
    Socket(Arc<Socket>),
    /// A listening TCP socket.
    Listener(Arc<Listener>),
    /// The slave side of a terminal.
    Tty(TtySlave),
}

/// An open file description, shared by every descriptor duplicated from it.
#[derive(Debug)]
pub struct OpenFile {
    obj: FileObj,
    offset: Mutex<u64>,
    readable: bool,
    writable: bool,
    append: bool,
}

/// How a file is opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenFlags {
    /// Reading allowed.
    pub read: bool,
    /// Writing allowed.
    pub write: bool,
    /// Writes go to the end.
    pub append: bool,
}

impl OpenFile {
    /// A description over `obj`.
    pub fn new(obj: FileObj, flags: OpenFlags) -> Arc<OpenFile> {
        Arc::new(OpenFile {
            obj,
            offset: Mutex::new(0),
            readable: flags.read,
            writable: flags.write,
            append: flags.append,
        })
    }

    /// The read end of a pipe.
    pub fn pipe_reader(r: PipeReader) -> Arc<OpenFile> {
        Self::new(
            FileObj::PipeRead(r),
            OpenFlags {
                read: true,
                ..OpenFlags::default()
            },
        )
    }

    /// The write end of a pipe.
    pub fn pipe_writer(w: PipeWriter) -> Arc<OpenFile> {
        Self::new(
            FileObj::PipeWrite(w),
            OpenFlags {
                write: true,
                ..OpenFlags::default()
            },
        )
    }

    /// An output sink.
    pub fn sink(s: Arc<OutputSink>) -> Arc<OpenFile> {
        Self::new(
            FileObj::Sink(s),
            OpenFlags {
                write: true,
                ..OpenFlags::default()
            },
        )
    }

    /// A connected socket, readable and writable.
    pub fn socket(s: Arc<Socket>) -> Arc<OpenFile> {
        Self::new(
            FileObj::Socket(s),
            OpenFlags {
                read: true,
                write: true,
                append: false,
            },
        )
    }

    /// A listening socket.
    pub fn listener(l: Arc<Listener>) -> Arc<OpenFile> {
        Self::new(FileObj::Listener(l), OpenFlags::default())
    }

    /// What it refers to.
    pub fn obj(&self) -> &FileObj {
        &self.obj
    }

    /// A terminal's slave side, readable and writable.
    pub fn tty(s: TtySlave) -> Arc<OpenFile> {
        Self::new(
            FileObj::Tty(s),
            OpenFlags {
                read: true,
                write: true,
                append: false,
            },
        )
    }

    /// The terminal this description is, if it is one (`isatty`).
    pub fn as_tty(&self) -> Option<&Arc<Pty>> {
        match &self.obj {
            FileObj::Tty(s) => Some(s.pty()),
            _ => None,
        }
    }

    /// Read up to `max` bytes; empty at end of file.
    pub async fn read(&self, max: usize) -> Result<Bytes, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        match &self.obj {
            FileObj::PipeRead(r) => Ok(r.read(max).await),
            FileObj::File { vfs, path, cred } => {
                let off = *self.offset.lock();
                let b = vfs
                    .pread(*cred, path, off, Some(max as u64))
                    .await
                    .map_err(|e| e.errno_value().unwrap_or(Errno::EIO))?;
                *self.offset.lock() += b.len() as u64;
                Ok(b)
            }
            FileObj::Socket(s) => s.read(max).await,
            FileObj::Tty(t) => t.pty().read(max).await,
            FileObj::PipeWrite(_) | FileObj::Sink(_) | FileObj::Listener(_) => Err(Errno::EBADF),
        }
    }

    /// Write all of `data`.
    pub async fn write(&self, data: Bytes) -> Result<(), Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        match &self.obj {
            FileObj::PipeWrite(w) => w.write(data).await,
            FileObj::Sink(s) => s.push(data).await,
            FileObj::File { vfs, path, cred } => {
                let len = data.len() as u64;
                let pos = if self.append {
                    WritePos::Append
                } else {
                    WritePos::At(*self.offset.lock())
                };
                let opts = WriteOpts {
                    pos,
                    create: None,
                    exclusive: false,
                };
                let size = vfs
                    .write(*cred, path, data, opts)
                    .await
                    .map_err(|e| e.errno_value().unwrap_or(Errno::EIO))?;
                let mut off = self.offset.lock();
                *off = if self.append { size } else { *off + len };
                Ok(())
            }
            FileObj::Socket(s) => s.write(data).await,
            FileObj::Tty(t) => t.pty().write(&data).await,
            FileObj::PipeRead(_) | FileObj::Listener(_) => Err(Errno::EBADF),
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// A process's descriptor table. Cloning it is `fork`: both share the descriptions.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    fds: Vec<Option<Entry>>,
    max: usize,
}

impl FdTable {
    /// An empty table allowing descriptors below `max`.
    pub fn new(max: usize) -> FdTable {
        FdTable {
            fds: Vec::new(),
            max,
        }
    }

    /// The description behind `fd`.
    pub fn get(&self, fd: i32) -> Result<&Arc<OpenFile>, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i))
            .and_then(|e| e.as_ref())
            .map(|e| &e.file)
            .ok_or(Errno::EBADF)
    }

    /// Put `file` at `fd`, closing what was there (`dup2`).
    pub fn set(&mut self, fd: i32, file: Arc<OpenFile>) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        if i >= self.max {
            return Err(Errno::EBADF);
        }
        if self.fds.len() <= i {
            self.fds.resize(i + 1, None);
        }
        self.fds[i] = Some(Entry {
            file,
            cloexec: false,
        });
        Ok(())
    }

    /// Put `file` at the lowest free descriptor at or above `min`.
    pub fn alloc(&mut self, file: Arc<OpenFile>, min: i32, cloexec: bool) -> Result<i32, Errno> {
        let start = usize::try_from(min).map_err(|_| Errno::EINVAL)?;
        let i = (start..self.max)
            .find(|&i| self.fds.get(i).is_none_or(|e| e.is_none()))
            .ok_or(Errno::EMFILE)?;
        if self.fds.len() <= i {
            self.fds.resize(i + 1, None);
        }
        self.fds[i] = Some(Entry { file, cloexec });
        i32::try_from(i).map_err(|_| Errno::EMFILE)
    }

    /// `dup2(old, new)`.
    pub fn dup2(&mut self, old: i32, new: i32) -> Result<(), Errno> {
        let f = self.get(old)?.clone();
        if old != new {
            self.set(new, f)?;
        }
        Ok(())
    }

    /// Close `fd`.
    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.fds.get_mut(i) {
            Some(slot @ Some(_)) => {
                *slot = None;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// Mark `fd` close-on-exec.
    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.fds.get_mut(i) {
            Some(Some(e)) => {
                e.cloexec = on;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// The table a new program sees: close-on-exec descriptors are gone.
    pub fn for_exec(&self) -> FdTable {
        FdTable {
            fds: self
                .fds
                .iter()
                .map(|e| e.as_ref().filter(|e| !e.cloexec).cloned())
                .collect(),
            max: self.max,
        }
    }

    /// Descriptors open now.
    pub fn open_fds(&self) -> Vec<i32> {
        self.fds
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .filter_map(|(i, _)| i32::try_from(i).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::process::pipe::pipe;

    #[test]
    fn dup_close_and_cloexec() {
        let (r, w) = pipe(16);
        let mut t = FdTable::new(8);
        t.set(0, OpenFile::pipe_reader(r)).unwrap();
        t.set(1, OpenFile::pipe_writer(w)).unwrap();
        assert_eq!(t.alloc(t.get(1).unwrap().clone(), 0, false).unwrap(), 2);
        assert!(Arc::ptr_eq(t.get(1).unwrap(), t.get(2).unwrap()));
        let fd = t.alloc(t.get(0).unwrap().clone(), 3, true).unwrap();
        assert_eq!(fd, 3);
        let exec = t.for_exec();
        assert_eq!(exec.get(3).unwrap_err(), Errno::EBADF);
        assert!(exec.get(0).is_ok());
        t.close(2).unwrap();
        assert_eq!(t.close(2).unwrap_err(), Errno::EBADF);
        assert_eq!(t.get(9).unwrap_err(), Errno::EBADF);
        assert_eq!(
            t.set(8, t.get(0).unwrap().clone()).unwrap_err(),
            Errno::EBADF
        );
        for _ in 0..5 {
            t.alloc(t.get(0).unwrap().clone(), 0, false).unwrap();
        }
        assert_eq!(
            t.alloc(t.get(0).unwrap().clone(), 0, false).unwrap_err(),
            Errno::EMFILE
        );
    }
}
