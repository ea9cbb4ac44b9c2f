//! Bounded in-memory pipes with back-pressure.
//!
//! Data moves as `Bytes` chunks (no copy between writer and reader). A writer waits while the
//! pipe holds `capacity` bytes; a reader waits while it is empty and a writer remains. Writing
//! with no reader left is `EPIPE` (the caller raises `SIGPIPE`); reading with no writer left and
//! nothing buffered is end of file.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::kernel::errno::Errno;

#[derive(Debug, Default)]
struct State {
    chunks: VecDeque<Bytes>,
    len: usize,
    readers: usize,
    writers: usize,
}

/// A pipe's shared buffer. Hold it through [`PipeReader`] and [`PipeWriter`] ends, which keep
/// the reader and writer counts.
#[derive(Debug)]
pub struct Pipe {
    state: Mutex<State>,
    capacity: usize,
    readable: Notify,
    writable: Notify,
}

/// The read end of a pipe. Dropping the last one makes writes fail with `EPIPE`.
#[derive(Debug)]
pub struct PipeReader(Arc<Pipe>);

/// The write end of a pipe. Dropping the last one gives readers end of file.
#[derive(Debug)]
pub struct PipeWriter(Arc<Pipe>);

/// A new pipe holding at most `capacity` bytes (at least 1).
pub fn pipe(capacity: usize) -> (PipeReader, PipeWriter) {
    let p = Arc::new(Pipe {
        state: Mutex::new(State {
            readers: 1,
            writers: 1,
            ..State::default()
        }),
        capacity: capacity.max(1),
        readable: Notify::new(),
        writable: Notify::new(),
    });
    (PipeReader(p.clone()), PipeWriter(p))
}

impl Pipe {
    /// Bytes buffered now.
    pub fn buffered(&self) -> usize {
        self.state.lock().len
    }
}

impl PipeReader {
    /// Read up to `max` bytes; an empty result is end of file.
    pub async fn read(&self, max: usize) -> Bytes {
        let p = &self.0;
        loop {
            let notified = p.readable.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = p.state.lock();
                if let Some(front) = st.chunks.front_mut() {
                    let out = if front.len() > max {
                        // One chunk fills the read: shared, no copy.
                        front.split_to(max)
                    } else if front.len() == max || st.chunks.len() == 1 {
                        st.chunks.pop_front().unwrap_or_default()
                    } else {
                        // Several small chunks are queued: one read returns as many as fit,
                        // as read(2) on a pipe does (a reader is not woken per write).
                        let want = max.min(st.len);
                        let mut joined = bytes::BytesMut::with_capacity(want);
                        while joined.len() < want {
                            let Some(c) = st.chunks.front_mut() else {
                                break;
                            };
                            let take = c.len().min(want - joined.len());
                            joined.extend_from_slice(&c.split_to(take));
                            if c.is_empty() {
                                st.chunks.pop_front();
                            }
                        }
                        joined.freeze()
                    };
                    st.len -= out.len();
                    drop(st);
                    p.writable.notify_waiters();
                    return out;
                }
                if st.writers == 0 || max == 0 {
                    return Bytes::new();
                }
            }
            notified.await;
        }
    }

    /// Read everything until end of file.
    pub async fn read_to_end(&self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let chunk = self.read(usize::MAX).await;
            if chunk.is_empty() {
                return out;
            }
            out.extend_from_slice(&chunk);
        }
    }

    /// Another handle on the same read end.
    pub fn dup(&self) -> PipeReader {
        self.0.state.lock().readers += 1;
        PipeReader(self.0.clone())
    }

    /// The pipe.
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.0
    }
}

impl PipeWriter {
    /// Write all of `data`, waiting while the pipe is full. `EPIPE` when no reader remains.
    pub async fn write(&self, mut data: Bytes) -> Result<(), Errno> {
        let p = &self.0;
        while !data.is_empty() {
            let notified = p.writable.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = p.state.lock();
                if st.readers == 0 {
                    return Err(Errno::EPIPE);
                }
                let room = p.capacity.saturating_sub(st.len);
                if room > 0 {
                    let chunk = if data.len() <= room {
                        std::mem::take(&mut data)
                    } else {
                        data.split_to(room)
                    };
                    st.len += chunk.len();
                    st.chunks.push_back(chunk);
                    drop(st);
                    p.readable.notify_waiters();
                    continue;
                }
            }
            notified.await;
        }
        Ok(())
    }

    /// Resolves once no read end remains.
    pub async fn readers_gone(&self) {
        let p = &self.0;
        loop {
            let notified = p.writable.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if p.state.lock().readers == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Whether a read end remains (writes can still be read by someone).
    pub fn has_readers(&self) -> bool {
        self.0.state.lock().readers > 0
    }

    /// Another handle on the same write end.
    pub fn dup(&self) -> PipeWriter {
        self.0.state.lock().writers += 1;
        PipeWriter(self.0.clone())
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.0.state.lock().readers -= 1;
        self.0.writable.notify_waiters();
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.state.lock().writers -= 1;
        self.0.readable.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_flow_in_order_and_end_with_eof() {
        let (r, w) = pipe(4);
        let writer = tokio::spawn(async move {
            w.write(Bytes::from_static(b"hello ")).await.unwrap();
            w.write(Bytes::from_static(b"world")).await.unwrap();
        });
        assert_eq!(r.read_to_end().await, b"hello world");
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn a_full_pipe_makes_the_writer_wait() {
        let (r, w) = pipe(3);
        let w2 = w.dup();
        let writer = tokio::spawn(async move { w2.write(Bytes::from_static(b"abcdef")).await });
        tokio::task::yield_now().await;
        assert!(r.pipe().buffered() <= 3);
        assert_eq!(&r.read(2).await[..], b"ab");
        drop(w);
        let rest = r.read_to_end().await;
        assert_eq!(rest, b"cdef");
        writer.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_read_joins_small_chunks_up_to_its_size() {
        let (r, w) = pipe(1024);
        for part in [&b"ab"[..], b"cd", b"ef"] {
            w.write(Bytes::copy_from_slice(part)).await.unwrap();
        }
        assert_eq!(&r.read(5).await[..], b"abcde");
        assert_eq!(&r.read(5).await[..], b"f");
        assert_eq!(r.pipe().buffered(), 0);
        // A chunk exactly the size of the read leaves nothing behind (no empty chunk that a
        // later read would take for end of file).
        w.write(Bytes::from_static(b"12345")).await.unwrap();
        w.write(Bytes::from_static(b"6")).await.unwrap();
        assert_eq!(&r.read(5).await[..], b"12345");
        assert_eq!(&r.read(5).await[..], b"6");
    }

    #[tokio::test]
    async fn writing_without_readers_is_epipe() {
        let (r, w) = pipe(8);
        let blocked = tokio::spawn(async move { w.write(Bytes::from(vec![0u8; 64])).await });
        tokio::task::yield_now().await;
        drop(r);
        assert_eq!(blocked.await.unwrap(), Err(Errno::EPIPE));
    }
}
