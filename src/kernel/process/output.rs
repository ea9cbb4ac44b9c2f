//! Where the output of API-started processes goes: a bounded ring kept for late listeners, an
//! optional collector (for `exec`), and live events to the host.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::Pid;
use crate::kernel::errno::Errno;

/// Which output stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// fd 1.
    Stdout,
    /// fd 2.
    Stderr,
}

/// Something the host listens to: output chunks and exits of API-started processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProcEvent {
    /// Output on a stream.
    Output {
        /// The process.
        pid: Pid,
        /// Which stream.
        stream: Stream,
        /// Position of this chunk in the stream (1, 2, ...), so a listener that replayed the
        /// kept output can skip chunks it already has.
        seq: u64,
        /// The bytes, in order.
        data: Bytes,
        /// Gives the bytes back to the stream's budget once the event reached the host.
        credit: Credit,
    },
    /// A message of an agent session, recorded in its history as number `seq`.
    Session {
        /// The session's client handle.
        handle: u32,
        /// Position in the session's history.
        seq: u64,
        /// The notification, as JSON text.
        json: std::sync::Arc<str>,
    },
    /// Output of an interactive shell's terminal.
    Shell {
        /// The shell.
        id: u32,
        /// The bytes, in order.
        data: Bytes,
        /// Gives the bytes back to the shell's budget once the event reached the host.
        credit: Credit,
    },
    /// The process ended with this exit code (128 + n for signal n).
    Exit {
        /// The process.
        pid: Pid,
        /// Exit code.
        code: i32,
    },
}

/// Bytes a producer may have in flight to the host, and the wait for room (flow control of
/// events that must not be dropped, such as a terminal's output).
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: Mutex<usize>,
    freed: tokio::sync::Notify,
}

impl Budget {
    /// A budget of `limit` bytes in flight.
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit: limit.max(1),
            used: Mutex::new(0),
            freed: tokio::sync::Notify::new(),
        })
    }

    /// Wait until less than the limit is in flight.
    pub async fn room(&self) {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if *self.used.lock() < self.limit {
                return;
            }
            freed.await;
        }
    }

    /// Take `n` bytes (call [`room`](Self::room) first; one chunk may go over the limit).
    pub fn charge(self: &Arc<Self>, n: usize) -> Credit {
        *self.used.lock() += n;
        Credit(Some((self.clone(), n)))
    }
}

/// Bytes taken from a [`Budget`], given back when dropped (after the host has the event).
#[derive(Debug, Default)]
pub struct Credit(Option<(Arc<Budget>, usize)>);

impl Drop for Credit {
    fn drop(&mut self) {
        if let Some((b, n)) = self.0.take() {
            *b.used.lock() -= n;
            b.freed.notify_waiters();
        }
    }
}

impl Clone for Credit {
    /// A copy holds nothing: the bytes are given back once, by the original.
    fn clone(&self) -> Credit {
        Credit(None)
    }
}

impl PartialEq for Credit {
    fn eq(&self, _: &Credit) -> bool {
        true
    }
}

impl Eq for Credit {}

/// Receives a VM's process events (the binding forwards them to JS in batches).
pub trait EventSink: Send + Sync + 'static {
    /// Deliver one event; must not block.
    fn emit(&self, event: ProcEvent);
}

#[derive(Debug, Default)]
struct State {
    seq: u64,
    ring: VecDeque<Bytes>,
    ring_len: usize,
    live: bool,
    collected: Option<Vec<u8>>,
    exceeded: bool,
}

/// The stdout or stderr of a process started through the API.
pub struct OutputSink {
    pid: Pid,
    stream: Stream,
    limit: usize,
    state: Mutex<State>,
    events: Option<Arc<dyn EventSink>>,
    /// Live output on its way to the host, bounded: a host whose JS thread stalls slows the
    /// writer as a full pipe would, instead of queueing without end.
    flight: Option<Arc<Budget>>,
}

impl std::fmt::Debug for OutputSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputSink")
            .field("pid", &self.pid)
            .field("stream", &self.stream)
            .finish()
    }
}

impl OutputSink {
    /// A sink keeping up to `limit` bytes. With `collect`, everything written is also gathered
    /// (up to `limit`: more is `EFBIG`) for [`take_collected`](Self::take_collected). With
    /// `live`, chunks go to `events` as they are written, at most `in_flight` bytes ahead of
    /// the host taking them.
    pub fn new(
        pid: Pid,
        stream: Stream,
        limit: usize,
        collect: bool,
        live: bool,
        events: Option<Arc<dyn EventSink>>,
        in_flight: usize,
    ) -> Self {
        OutputSink {
            flight: events.as_ref().map(|_| Budget::new(in_flight)),
            pid,
            stream,
            limit,
            state: Mutex::new(State {
                live,
                collected: collect.then(Vec::new),
                ..State::default()
            }),
            events,
        }
    }

    /// Append output. `EFBIG` once a collecting sink holds more than its limit. Live output
    /// first waits for room in the bytes in flight to the host.
    pub async fn push(&self, data: Bytes) -> Result<(), Errno> {
        if data.is_empty() {
            return Ok(());
        }
        let credit = match &self.flight {
            Some(b) if self.state.lock().live => {
                b.room().await;
                b.charge(data.len())
            }
            _ => Credit::default(),
        };
        let mut st = self.state.lock();
        st.seq += 1;
        let seq = st.seq;
        if let Some(c) = st.collected.as_mut() {
            if c.len() + data.len() > self.limit {
                st.exceeded = true;
                return Err(Errno::EFBIG);
            }
            c.extend_from_slice(&data);
        } else {
            st.ring_len += data.len();
            st.ring.push_back(data.clone());
            while st.ring_len > self.limit {
                match st.ring.pop_front() {
                    Some(old) => st.ring_len -= old.len(),
                    None => break,
                }
            }
        }
        if st.live {
            if let Some(ev) = &self.events {
                // Emitted under the lock so events and `subscribe` snapshots stay in order.
                ev.emit(ProcEvent::Output {
                    pid: self.pid,
                    stream: self.stream,
                    seq,
                    data,
                    credit,
                });
            }
        }
        Ok(())
    }

    /// Start live delivery; returns what was kept so far (to replay first) and the sequence
    /// number of the last chunk written (later events have higher numbers).
    pub fn subscribe(&self) -> (Vec<Bytes>, u64) {
        let mut st = self.state.lock();
        st.live = true;
        (st.ring.iter().cloned().collect(), st.seq)
    }

    /// The output kept so far, without starting live delivery.
    pub fn kept(&self) -> Vec<u8> {
        self.state
            .lock()
            .ring
            .iter()
            .flat_map(|b| b.iter().copied())
            .collect()
    }

    /// The collected output (for `exec`), and whether the limit cut it short.
    pub fn take_collected(&self) -> (Vec<u8>, bool) {
        let mut st = self.state.lock();
        (st.collected.take().unwrap_or_default(), st.exceeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_waits_until_credits_are_given_back() {
        let b = Budget::new(10);
        b.room().await;
        let c1 = b.charge(4);
        b.room().await;
        // One chunk may go over the limit; then the next waits.
        let c2 = b.charge(8);
        let waiting = tokio::spawn({
            let b = b.clone();
            async move { b.room().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(c2.clone()); // a copy gives nothing back
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(c2);
        waiting.await.unwrap();
        drop(c1);
    }
}
