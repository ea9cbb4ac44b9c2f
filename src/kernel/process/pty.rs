//! Pseudo-terminals: a master side the host drives (`writeShell`, `onShellData`) and a slave
//! side a process group uses as its terminal, with the Linux line discipline in between.
//!
//! Input (master → slave) goes through `n_tty`'s rules: `ICRNL`, the signal characters of
//! `ISIG` (^C `SIGINT`, ^\ `SIGQUIT` to the foreground process group), canonical
//! line editing (erase, kill, word erase, ^D end of file, one line per read) and echo with
//! `ECHOCTL` (`^C`). Output (slave → master) gets `ONLCR` (`\n` → `\r\n`). There is no job
//! control: ^Z raises no `SIGTSTP` (the kernel cannot stop and resume a process) and reaches
//! the reader as a character.
//!
//! Nothing is dropped: slave writes wait while `capacity` bytes of output are unread (a guest
//! that prints faster than the host reads is slowed down, not cut), and input beyond the
//! limit is refused to the host writer with `EAGAIN` rather than lost silently.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::{Pid, Signal};
use crate::kernel::errno::Errno;

/// Terminal modes, the subset of `termios` the kernel implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    /// `ICANON`: line-at-a-time input with editing.
    pub icanon: bool,
    /// `ECHO`: input is echoed to the output.
    pub echo: bool,
    /// `ISIG`: ^C and ^\ raise signals.
    pub isig: bool,
    /// `ICRNL`: carriage return in input becomes newline.
    pub icrnl: bool,
    /// `OPOST`+`ONLCR`: newline in output becomes carriage return + newline.
    pub onlcr: bool,
}

impl Default for Termios {
    /// A fresh terminal: cooked mode, as `stty sane` leaves it.
    fn default() -> Self {
        Termios {
            icanon: true,
            echo: true,
            isig: true,
            icrnl: true,
            onlcr: true,
        }
    }
}

impl Termios {
    /// Raw mode as `cfmakeraw` (and Node's `setRawMode(true)`) sets it.
    pub fn raw() -> Termios {
        Termios {
            icanon: false,
            echo: false,
            isig: false,
            icrnl: false,
            onlcr: false,
        }
    }
}

/// Unread input the host may queue before `writeShell` is refused.
pub const MAX_INPUT: usize = 1 << 20;
/// Longest canonical line (Linux's `N_TTY_BUF_SIZE - 1`): further characters are ignored.
const MAX_CANON: usize = 4095;

#[derive(Debug)]
struct State {
    termios: Termios,
    cols: u16,
    rows: u16,
    /// The canonical line being edited.
    line: Vec<u8>,
    /// Bytes the slave may read now.
    input: VecDeque<u8>,
    /// Canonical mode: lengths of the complete lines in `input` (0 = an end-of-file mark).
    lines: VecDeque<usize>,
    output: VecDeque<Bytes>,
    out_len: usize,
    fg_pgrp: Option<Pid>,
    /// Open slave descriptions.
    slaves: usize,
    /// The master was closed: slave reads see end of file, writes `EIO`.
    hung_up: bool,
}

/// A pseudo-terminal pair.
#[derive(Debug)]
pub struct Pty {
    st: Mutex<State>,
    capacity: usize,
    input_ready: Notify,
    output_ready: Notify,
    output_space: Notify,
}

/// One open description of a terminal's slave side (its descriptors hold it; the last one
/// closed gives the master end of file).
#[derive(Debug)]
pub struct TtySlave(Arc<Pty>);

impl TtySlave {
    /// The terminal.
    pub fn pty(&self) -> &Arc<Pty> {
        &self.0
    }
}

impl Drop for TtySlave {
    fn drop(&mut self) {
        self.0.st.lock().slaves -= 1;
        self.0.output_ready.notify_waiters();
    }
}

fn ctl_echo(b: u8) -> [u8; 2] {
    [b'^', b ^ 0x40]
}

impl Pty {
    /// A terminal of `cols` × `rows` whose output buffers at most `capacity` unread bytes.
    pub fn new(cols: u16, rows: u16, capacity: usize) -> Arc<Pty> {
        Arc::new(Pty {
            st: Mutex::new(State {
                termios: Termios::default(),
                cols,
                rows,
                line: Vec::new(),
                input: VecDeque::new(),
                lines: VecDeque::new(),
                output: VecDeque::new(),
                out_len: 0,
                fg_pgrp: None,
                slaves: 0,
                hung_up: false,
            }),
            capacity: capacity.max(1),
            input_ready: Notify::new(),
            output_ready: Notify::new(),
            output_space: Notify::new(),
        })
    }

    /// Open the slave side.
    pub fn open_slave(self: &Arc<Self>) -> TtySlave {
        self.st.lock().slaves += 1;
        TtySlave(self.clone())
    }

    /// The terminal modes.
    pub fn termios(&self) -> Termios {
        self.st.lock().termios
    }

    /// Change the terminal modes (`tcsetattr`). Leaving canonical mode makes the line being
    /// edited readable as it is.
    pub fn set_termios(&self, t: Termios) {
        let mut st = self.st.lock();
        if st.termios.icanon && !t.icanon {
            let line = std::mem::take(&mut st.line);
            st.input.extend(line);
            st.lines.clear();
        } else if !st.termios.icanon && t.icanon && !st.input.is_empty() {
            // Bytes queued in raw mode become lines; a last one without a newline is the line
            // being edited.
            let raw: Vec<u8> = st.input.drain(..).collect();
            let mut rest = &raw[..];
            while let Some(i) = rest.iter().position(|&b| b == b'\n') {
                st.lines.push_back(i + 1);
                st.input.extend(&rest[..=i]);
                rest = &rest[i + 1..];
            }
            st.line = rest.to_vec();
        }
        st.termios = t;
        drop(st);
        self.input_ready.notify_waiters();
    }

    /// Put bytes a reader took but did not use back in front of the input (non-canonical
    /// mode: a line editor that read past the end of its line).
    pub fn unread(&self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut st = self.st.lock();
        for &b in data.iter().rev() {
            st.input.push_front(b);
        }
        drop(st);
        self.input_ready.notify_waiters();
    }

    /// Window size as (columns, rows).
    pub fn winsize(&self) -> (u16, u16) {
        let st = self.st.lock();
        (st.cols, st.rows)
    }

    /// Set the window size; returns the foreground group to send `SIGWINCH` to, if it changed.
    pub fn resize(&self, cols: u16, rows: u16) -> Option<Pid> {
        let mut st = self.st.lock();
        if (st.cols, st.rows) == (cols, rows) {
            return None;
        }
        st.cols = cols;
        st.rows = rows;
        st.fg_pgrp
    }

    /// The foreground process group (`tcgetpgrp`).
    pub fn foreground(&self) -> Option<Pid> {
        self.st.lock().fg_pgrp
    }

    /// Make `pgrp` the foreground process group (`tcsetpgrp`).
    pub fn set_foreground(&self, pgrp: Pid) {
        self.st.lock().fg_pgrp = Some(pgrp);
    }

    fn push_output(st: &mut State, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let out = if st.termios.onlcr && data.contains(&b'\n') {
            let mut v = BytesMut::with_capacity(data.len() + 8);
            for &b in data {
                if b == b'\n' {
                    v.extend_from_slice(b"\r\n");
                } else {
                    v.extend_from_slice(&[b]);
                }
            }
            v.freeze()
        } else {
            Bytes::copy_from_slice(data)
        };
        st.out_len += out.len();
        st.output.push_back(out);
    }

    fn echo(st: &mut State, b: u8, capacity: usize) {
        // No echo while the host has a full terminal's worth unread (as Linux's n_tty).
        if !st.termios.echo || st.out_len >= capacity {
            return;
        }
        if b < 0x20 && b != b'\n' && b != b'\t' || b == 0x7f {
            Self::push_output(st, &ctl_echo(b));
        } else {
            Self::push_output(st, &[b]);
        }
    }

    /// Erase the last character of the line being edited (a whole UTF-8 sequence).
    fn erase_char(st: &mut State) -> bool {
        let Some(mut last) = st.line.pop() else {
            return false;
        };
        while last & 0xC0 == 0x80 {
            match st.line.pop() {
                Some(b) => last = b,
                None => break,
            }
        }
        if st.termios.echo {
            // A control character was echoed as two cells.
            let cells = if last < 0x20 || last == 0x7f { 2 } else { 1 };
            for _ in 0..cells {
                Self::push_output(st, b"\x08 \x08");
            }
        }
        true
    }

    fn finish_line(&self, st: &mut State) {
        let line = std::mem::take(&mut st.line);
        st.lines.push_back(line.len());
        st.input.extend(line);
    }

    /// Input typed at the terminal (the host's `writeShell`). Returns the signals to send to
    /// the foreground process group, with the group, in the order their characters were typed.
    /// `EAGAIN` when more than [`MAX_INPUT`] bytes are unread; then nothing of `data` was
    /// taken.
    pub fn input(&self, data: &[u8]) -> Result<Vec<(Signal, Pid)>, Errno> {
        let mut st = self.st.lock();
        if st.input.len() + st.line.len() + data.len() > MAX_INPUT {
            return Err(Errno::EAGAIN);
        }
        let mut raised = Vec::new();
        for &b0 in data {
            let t = st.termios;
            let b = if t.icrnl && b0 == b'\r' { b'\n' } else { b0 };
            if t.isig {
                let sig = match b {
                    0x03 => Some(Signal::SIGINT),
                    0x1c => Some(Signal::SIGQUIT),
                    _ => None,
                };
                if let Some(sig) = sig {
                    // The pending input is discarded (no NOFLSH), and the character echoed.
                    st.line.clear();
                    st.input.clear();
                    st.lines.clear();
                    Self::echo(&mut st, b, self.capacity);
                    if let Some(g) = st.fg_pgrp {
                        raised.push((sig, g));
                    }
                    continue;
                }
            }
            if !t.icanon {
                st.input.push_back(b);
                Self::echo(&mut st, b, self.capacity);
                continue;
            }
            match b {
                0x7f | 0x08 => {
                    Self::erase_char(&mut st);
                }
                0x15 => while Self::erase_char(&mut st) {},
                0x17 => {
                    while st.line.last().is_some_and(|c| c.is_ascii_whitespace()) {
                        Self::erase_char(&mut st);
                    }
                    while st.line.last().is_some_and(|c| !c.is_ascii_whitespace()) {
                        Self::erase_char(&mut st);
                    }
                }
                0x04 => self.finish_line(&mut st),
                b'\n' => {
                    st.line.push(b'\n');
                    Self::echo(&mut st, b'\n', self.capacity);
                    self.finish_line(&mut st);
                }
                _ => {
                    if st.line.len() < MAX_CANON {
                        st.line.push(b);
                        Self::echo(&mut st, b, self.capacity);
                    }
                }
            }
        }
        drop(st);
        self.input_ready.notify_waiters();
        self.output_ready.notify_waiters();
        Ok(raised)
    }

    /// Read from the slave side: in canonical mode at most one line (empty at ^D on an empty
    /// line), otherwise what is there, waiting for at least one byte.
    pub async fn read(&self, max: usize) -> Result<Bytes, Errno> {
        loop {
            let notified = self.input_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.st.lock();
                if max == 0 {
                    return Ok(Bytes::new());
                }
                if st.termios.icanon {
                    if let Some(&len) = st.lines.front() {
                        let n = len.min(max);
                        let out: Vec<u8> = st.input.drain(..n).collect();
                        if n == len {
                            st.lines.pop_front();
                        } else if let Some(l) = st.lines.front_mut() {
                            *l -= n;
                        }
                        return Ok(Bytes::from(out));
                    }
                } else if !st.input.is_empty() {
                    let n = st.input.len().min(max);
                    let out: Vec<u8> = st.input.drain(..n).collect();
                    return Ok(Bytes::from(out));
                }
                if st.hung_up {
                    return Ok(Bytes::new());
                }
            }
            notified.await;
        }
    }

    /// Write from the slave side (a program's output), waiting while the host has not read
    /// `capacity` bytes. `EIO` once the master is closed.
    pub async fn write(&self, data: &[u8]) -> Result<(), Errno> {
        let mut rest = data;
        while !rest.is_empty() {
            let notified = self.output_space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.st.lock();
                if st.hung_up {
                    return Err(Errno::EIO);
                }
                let room = self.capacity.saturating_sub(st.out_len);
                if room > 0 {
                    let n = room.min(rest.len());
                    Self::push_output(&mut st, &rest[..n]);
                    rest = &rest[n..];
                    drop(st);
                    self.output_ready.notify_waiters();
                    continue;
                }
            }
            notified.await;
        }
        Ok(())
    }

    /// Read the terminal's output (the host's side). `None` once every slave description is
    /// closed and everything was read.
    pub async fn read_output(&self) -> Option<Bytes> {
        loop {
            let notified = self.output_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.st.lock();
                if !st.output.is_empty() {
                    let mut out = BytesMut::with_capacity(st.out_len);
                    for c in st.output.drain(..) {
                        out.extend_from_slice(&c);
                    }
                    st.out_len = 0;
                    drop(st);
                    self.output_space.notify_waiters();
                    return Some(out.freeze());
                }
                if st.slaves == 0 || st.hung_up {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Close the master: readers of the slave see end of file, writers `EIO`.
    pub fn hang_up(&self) {
        self.st.lock().hung_up = true;
        self.input_ready.notify_waiters();
        self.output_space.notify_waiters();
        self.output_ready.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn out(p: &Pty) -> String {
        String::from_utf8(p.read_output().await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn canonical_lines_with_editing_and_echo() {
        let p = Pty::new(80, 24, 1024);
        let _s = p.open_slave();
        p.input(b"ecko\x7f\x7fho hi\r").unwrap();
        assert_eq!(&p.read(100).await.unwrap()[..], b"echo hi\n");
        assert_eq!(out(&p).await, "ecko\x08 \x08\x08 \x08ho hi\r\n");
        // ^U kills the line, ^W a word; a line is not readable before its newline.
        p.input(b"abc def\x17xyz\x15one two\x17").unwrap();
        p.input(b"\n").unwrap();
        assert_eq!(&p.read(100).await.unwrap()[..], b"one \n");
        // Reads return one line at a time and can split a line.
        p.input(b"a\nbcd\n").unwrap();
        assert_eq!(&p.read(100).await.unwrap()[..], b"a\n");
        assert_eq!(&p.read(2).await.unwrap()[..], b"bc");
        assert_eq!(&p.read(100).await.unwrap()[..], b"d\n");
        // ^D on an empty line is end of file; after text it ends the line without a newline.
        p.input(b"\x04xy\x04").unwrap();
        assert!(p.read(100).await.unwrap().is_empty());
        assert_eq!(&p.read(100).await.unwrap()[..], b"xy");
    }

    #[tokio::test]
    async fn signal_characters_flush_and_name_the_foreground_group() {
        let p = Pty::new(80, 24, 1024);
        let _s = p.open_slave();
        assert_eq!(p.input(b"\x03").unwrap(), vec![]);
        p.set_foreground(7);
        p.input(b"half a line").unwrap();
        assert_eq!(p.input(b"\x03").unwrap(), vec![(Signal::SIGINT, 7)]);
        assert_eq!(
            p.input(b"\x03\x1c").unwrap(),
            vec![(Signal::SIGINT, 7), (Signal::SIGQUIT, 7)]
        );
        p.input(b"next\n").unwrap();
        assert_eq!(&p.read(100).await.unwrap()[..], b"next\n");
        assert_eq!(out(&p).await, "^Chalf a line^C^C^\\next\r\n");
        // Raw mode: bytes pass through unechoed, ^C included.
        p.set_termios(Termios::raw());
        assert_eq!(p.input(b"\x03\r").unwrap(), vec![]);
        assert_eq!(&p.read(100).await.unwrap()[..], b"\x03\r");
    }

    #[tokio::test]
    async fn output_waits_for_the_host_and_ends_when_slaves_close() {
        let p = Pty::new(80, 24, 4);
        let s = p.open_slave();
        let p2 = p.clone();
        let w = tokio::spawn(async move { p2.write(b"ab\ncdef").await });
        let mut got = Vec::new();
        while got.len() < 8 {
            got.extend_from_slice(&p.read_output().await.unwrap());
        }
        w.await.unwrap().unwrap();
        assert_eq!(got, b"ab\r\ncdef");
        drop(s);
        assert!(p.read_output().await.is_none());
        assert_eq!(p.resize(100, 30), None);
        p.set_foreground(3);
        assert_eq!(p.resize(100, 31), Some(3));
        assert_eq!(p.winsize(), (100, 31));
    }

    #[tokio::test]
    async fn bytes_queued_raw_become_lines_in_canonical_mode() {
        let p = Pty::new(80, 24, 1024);
        let _s = p.open_slave();
        p.set_termios(Termios {
            icanon: false,
            echo: false,
            ..Termios::default()
        });
        p.input(b"ab\rcd\nef").unwrap();
        assert_eq!(&p.read(2).await.unwrap()[..], b"ab");
        p.unread(b"ab");
        p.set_termios(Termios::default());
        assert_eq!(&p.read(100).await.unwrap()[..], b"ab\n");
        assert_eq!(&p.read(100).await.unwrap()[..], b"cd\n");
        p.input(b"g\n").unwrap();
        assert_eq!(&p.read(100).await.unwrap()[..], b"efg\n");
    }

    #[tokio::test]
    async fn hang_up_ends_reads_and_fails_writes() {
        let p = Pty::new(80, 24, 64);
        let _s = p.open_slave();
        p.hang_up();
        assert!(p.read(10).await.unwrap().is_empty());
        assert_eq!(p.write(b"x").await, Err(Errno::EIO));
    }
}
