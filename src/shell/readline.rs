//! The interactive shell: prompts, a line editor over the terminal and command history.
//!
//! When its standard input is a terminal (or with `-i`), the shell reads commands one line at
//! a time. The editor puts the terminal in non-canonical, no-echo mode while a line is typed
//! (as readline does; `ISIG` stays on, so ^C reaches the shell as `SIGINT`) and handles the
//! usual keys: arrows, Home/End, Delete, ^A ^E ^B ^F ^K ^U ^W ^L ^D, Tab completion of commands
//! and file names, and history with Up/Down
//! (^P/^N). A line longer than the terminal wraps, and is redrawn across its rows.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::{Ctl, Shell};
use crate::kernel::process::pty::{Pty, Termios};
use crate::kernel::process::Signal;
use crate::kernel::vfs::FileType;

/// Entries kept by the history (bash's default `HISTSIZE`).
const HISTSIZE: usize = 500;

/// The commands entered in an interactive shell, oldest first.
pub type History = Arc<Mutex<Vec<String>>>;

/// What reading a line gave.
enum Line {
    /// A line (without its newline).
    Text(String),
    /// ^D on an empty line, or the terminal went away.
    Eof,
    /// ^C: the line was abandoned.
    Interrupted,
}

/// Characters of the line being edited and the cursor. The line may be longer than the
/// terminal: positions are counted in cells from the start of the prompt, and `row` is the
/// terminal row the cursor is on, relative to the prompt's first row.
struct Editor {
    buf: Vec<char>,
    cursor: usize,
    prompt: String,
    /// Cells the prompt takes (its text without escape sequences).
    plen: usize,
    /// Terminal width.
    width: usize,
    row: usize,
}

/// Cells `s` takes on the screen: its characters, escape sequences excluded.
fn display_width(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.next() {
                // CSI: up to a final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (a window title): up to BEL or ST.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            }
        } else if !c.is_control() {
            n += 1;
        }
    }
    n
}

impl Editor {
    fn new(prompt: String, width: usize) -> Editor {
        let plen = display_width(&prompt);
        Editor {
            buf: Vec::new(),
            cursor: 0,
            prompt,
            plen,
            width: width.max(1),
            row: 0,
        }
    }

    fn text(&self) -> String {
        self.buf.iter().collect()
    }

    /// The prompt, as first shown.
    fn show_prompt(&mut self) -> String {
        let mut s = self.prompt.clone();
        if self.plen > 0 && self.plen % self.width == 0 {
            s.push('\n');
        }
        self.row = self.plen / self.width;
        s
    }

    /// After writing up to cell `at`: if that filled the row, move to the next one (the
    /// terminal would only wrap at the next character, and rows are counted as if it had).
    fn wrap_at(&self, at: usize) -> &'static str {
        if at > 0 && at % self.width == 0 {
            "\n"
        } else {
            ""
        }
    }

    /// Redraw the whole line (all its rows) and put the cursor back.
    fn redraw(&mut self) -> String {
        let w = self.width;
        let mut s = String::new();
        if self.row > 0 {
            s.push_str(&format!("\x1b[{}A", self.row));
        }
        s.push_str("\r\x1b[J");
        s.push_str(&self.prompt);
        s.push_str(&self.text());
        let end = self.plen + self.buf.len();
        s.push_str(self.wrap_at(end));
        let (end_row, cur) = (end / w, self.plen + self.cursor);
        let (row, col) = (cur / w, cur % w);
        if end_row > row {
            s.push_str(&format!("\x1b[{}A", end_row - row));
        }
        s.push('\r');
        if col > 0 {
            s.push_str(&format!("\x1b[{col}C"));
        }
        self.row = row;
        s
    }

    /// Move the cursor to the end of the line (before a newline ends it).
    fn move_to_end(&mut self) -> String {
        if self.cursor == self.buf.len() {
            return String::new();
        }
        self.cursor = self.buf.len();
        self.redraw()
    }

    fn set(&mut self, text: &str) -> String {
        self.buf = text.chars().collect();
        self.cursor = self.buf.len();
        self.redraw()
    }

    fn insert(&mut self, c: char) -> String {
        self.buf.insert(self.cursor, c);
        self.cursor += 1;
        if self.cursor == self.buf.len() {
            let at = self.plen + self.cursor;
            self.row = at / self.width;
            format!("{c}{}", self.wrap_at(at))
        } else {
            self.redraw()
        }
    }

    fn backspace(&mut self) -> String {
        if self.cursor == 0 {
            return String::new();
        }
        let at = self.plen + self.cursor;
        self.cursor -= 1;
        self.buf.remove(self.cursor);
        if self.cursor == self.buf.len() && at % self.width != 0 {
            // Same row: rub the character out in place.
            "\x08 \x08".to_owned()
        } else {
            self.redraw()
        }
    }

    fn delete(&mut self) -> String {
        if self.cursor == self.buf.len() {
            return String::new();
        }
        self.buf.remove(self.cursor);
        self.redraw()
    }

    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.buf[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.buf[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    fn word_end(&self) -> usize {
        let mut i = self.cursor;
        while i < self.buf.len() && !self.buf[i].is_alphanumeric() {
            i += 1;
        }
        while i < self.buf.len() && self.buf[i].is_alphanumeric() {
            i += 1;
        }
        i
    }

    fn move_to(&mut self, i: usize) -> String {
        self.cursor = i.min(self.buf.len());
        self.redraw()
    }
}

/// Keys the decoder recognises.
enum Key {
    Char(char),
    Enter,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    WordLeft,
    WordRight,
    Ctrl(u8),
    /// An escape sequence we do not handle.
    Ignored,
}

/// Decode the next key from `input`, or `None` if it is incomplete (wait for more bytes).
fn next_key(input: &[u8]) -> Option<(Key, usize)> {
    let b = *input.first()?;
    match b {
        b'\r' | b'\n' => Some((Key::Enter, 1)),
        0x7f | 0x08 => Some((Key::Backspace, 1)),
        0x1b => {
            let &b1 = input.get(1)?;
            match b1 {
                b'[' | b'O' => {
                    // CSI: parameters then a final byte in 0x40..=0x7e.
                    let end = input[2..].iter().position(|c| (0x40..=0x7e).contains(c))?;
                    let seq = &input[2..2 + end + 1];
                    let key = match seq {
                        b"A" => Key::Up,
                        b"B" => Key::Down,
                        b"C" => Key::Right,
                        b"D" => Key::Left,
                        b"H" | b"1~" | b"7~" => Key::Home,
                        b"F" | b"4~" | b"8~" => Key::End,
                        b"3~" => Key::Delete,
                        b"1;5D" | b"1;3D" => Key::WordLeft,
                        b"1;5C" | b"1;3C" => Key::WordRight,
                        _ => Key::Ignored,
                    };
                    Some((key, 2 + end + 1))
                }
                b'b' => Some((Key::WordLeft, 2)),
                b'f' => Some((Key::WordRight, 2)),
                _ => Some((Key::Ignored, 2)),
            }
        }
        0..=0x1f => Some((Key::Ctrl(b), 1)),
        _ => {
            let len = match b {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            if input.len() < len {
                return None;
            }
            let c = std::str::from_utf8(&input[..len])
                .ok()
                .and_then(|s| s.chars().next())
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            Some((Key::Char(c), len))
        }
    }
}

/// Expand the prompt escapes of `PS1`/`PS2` (`\u \h \H \w \W \$ \s \v \n \e \a \[ \] \\`).
pub fn expand_prompt(sh: &Shell, ps: &str) -> String {
    let mut out = String::new();
    let mut chars = ps.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => out.push_str(&sh.get("USER").unwrap_or_else(|| "user".to_owned())),
            Some('h') | Some('H') => {
                let h = sh.get("HOSTNAME").unwrap_or_else(|| "agentos".to_owned());
                out.push_str(h.split('.').next().unwrap_or(&h));
            }
            Some(w @ ('w' | 'W')) => {
                let cwd = sh.proc.cwd();
                let home = sh.get("HOME").unwrap_or_default();
                let shown = if !home.is_empty() && cwd == home {
                    "~".to_owned()
                } else if w == 'W' {
                    cwd.rsplit('/')
                        .find(|s| !s.is_empty())
                        .unwrap_or("/")
                        .to_owned()
                } else if !home.is_empty() && cwd.starts_with(&format!("{home}/")) {
                    format!("~{}", &cwd[home.len()..])
                } else {
                    cwd
                };
                out.push_str(&shown);
            }
            Some('$') => out.push(if sh.get("USER").as_deref() == Some("root") {
                '#'
            } else {
                '$'
            }),
            Some('s') => out.push_str(sh.arg0.rsplit('/').next().unwrap_or("bash")),
            Some('v') => out.push_str("5.2"),
            Some('n') => out.push('\n'),
            Some('e') => out.push('\x1b'),
            Some('a') => out.push('\x07'),
            Some('[') | Some(']') => {}
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The longest prefix every string of `words` starts with.
fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut n = first.len();
    for w in &words[1..] {
        n = n.min(
            first
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map_or(n.min(w.len()), |((i, _), _)| i),
        );
    }
    first[..n].to_owned()
}

/// Whether a parse error only says the input stopped too early (more lines will finish it).
fn incomplete(msg: &str) -> bool {
    msg.contains("unexpected end of file") || msg.contains("unexpected EOF while looking for")
}

impl Shell {
    /// Completions of the word before the cursor: commands (builtins and `PATH`) for the first
    /// word of a command, else file names (directories end in `/`). Sorted, without duplicates.
    async fn completions(&self, ed: &Editor) -> (usize, Vec<String>) {
        let start = (0..ed.cursor)
            .rev()
            .find(|&i| {
                ed.buf[i].is_whitespace() || matches!(ed.buf[i], '|' | ';' | '&' | '(' | '<' | '>')
            })
            .map_or(0, |i| i + 1);
        let word: String = ed.buf[start..ed.cursor].iter().collect();
        let before: String = ed.buf[..start].iter().collect();
        let command_word = matches!(
            before.trim_end().chars().last(),
            None | Some('|' | ';' | '&' | '(')
        );
        let cred = crate::kernel::vfs::Cred::GUEST;
        let vfs = self.kernel.vfs();
        let mut out = Vec::new();
        if command_word && !word.contains('/') {
            out.extend(
                super::builtins::builtin_names()
                    .iter()
                    .filter(|b| b.starts_with(&word))
                    .map(|b| (*b).to_owned()),
            );
            let path = self.get("PATH").unwrap_or_default();
            for dir in path.split(':').filter(|d| d.starts_with('/')) {
                if let Ok(entries) = vfs.read_dir(cred, dir).await {
                    out.extend(
                        entries
                            .into_iter()
                            .filter(|e| {
                                e.name.starts_with(&word) && e.stat.file_type != FileType::Dir
                            })
                            .map(|e| e.name),
                    );
                }
            }
        } else {
            let (dir_text, base) = match word.rfind('/') {
                Some(i) => (&word[..=i], &word[i + 1..]),
                None => ("", word.as_str()),
            };
            let home = self.get("HOME").unwrap_or_default();
            let dir = match dir_text {
                "" => self.proc.cwd(),
                d if d.starts_with("~/") => format!("{home}/{}", &d[2..]),
                d if d.starts_with('/') => d.to_owned(),
                d => crate::kernel::vfs::path::join(&self.proc.cwd(), d),
            };
            if let Ok(entries) = vfs.read_dir(cred, &dir).await {
                for e in entries {
                    if !e.name.starts_with(base)
                        || (e.name.starts_with('.') && !base.starts_with('.'))
                    {
                        continue;
                    }
                    let is_dir = match e.stat.file_type {
                        FileType::Dir => true,
                        FileType::Symlink => vfs
                            .stat(cred, &crate::kernel::vfs::path::join(&dir, &e.name), true)
                            .await
                            .is_ok_and(|st| st.file_type == FileType::Dir),
                        _ => false,
                    };
                    out.push(format!(
                        "{dir_text}{}{}",
                        e.name,
                        if is_dir { "/" } else { "" }
                    ));
                }
            }
        }
        out.sort();
        out.dedup();
        (start, out)
    }

    async fn tty_write(&self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Ok(f) = self.fds.get(2) {
            let _ = f.clone().write(Bytes::from(s.to_owned())).await;
        }
    }

    /// Read one line with the editor (the terminal is `pty`).
    async fn read_line(&mut self, pty: &Arc<Pty>, prompt: String) -> Line {
        let saved = pty.termios();
        pty.set_termios(Termios {
            icanon: false,
            echo: false,
            ..saved
        });
        let r = self.edit_line(pty, prompt).await;
        pty.set_termios(saved);
        r
    }

    async fn edit_line(&mut self, pty: &Arc<Pty>, prompt: String) -> Line {
        let history = self.history.clone().unwrap_or_default();
        let mut ed = Editor::new(prompt, usize::from(pty.winsize().0));
        let shown = ed.show_prompt();
        self.tty_write(&shown).await;
        // Position in the history while browsing it (== len: the line being typed).
        let mut hist_pos = history.lock().len();
        let mut typed = String::new();
        let mut pending: Vec<u8> = Vec::new();
        // Tabs pressed in a row without a completion (the second lists the candidates).
        let mut tabs = 0u32;
        loop {
            let chunk = tokio::select! {
                r = pty.read(4096) => r,
                () = self.proc.any_signal() => {
                    let caught = self.proc.take_caught();
                    if caught.is_empty() {
                        // Only a signal that ends the shell is pending: it is ending (waiting
                        // here, not spinning, lets that happen).
                        std::future::pending::<()>().await;
                    }
                    if caught.contains(&Signal::SIGINT) && self.traps_get("INT").is_none() {
                        let end = ed.move_to_end();
                        self.tty_write(&format!("{end}^C\n")).await;
                        return Line::Interrupted;
                    }
                    // Traps (`trap '…' WINCH`) run at once, above the line being edited.
                    let actions: Vec<String> =
                        caught.iter().filter_map(|s| self.traps_get(s.short_name())).collect();
                    if !actions.is_empty() {
                        self.tty_write("\r\x1b[K").await;
                        let saved = self.status;
                        for a in actions {
                            if let Err(Ctl::Exit(code)) = self.eval_string(&a, "trap").await {
                                self.status = code;
                                return Line::Eof;
                            }
                        }
                        self.status = saved;
                        // The trap's output ended on a fresh line: draw the line again there.
                        ed.row = 0;
                        let again = ed.redraw();
                        self.tty_write(&again).await;
                    }
                    continue;
                }
            };
            let chunk = match chunk {
                Ok(c) if !c.is_empty() => c,
                _ => return Line::Eof,
            };
            pending.extend_from_slice(&chunk);
            let mut used = 0;
            let mut echo = String::new();
            while let Some((key, n)) = next_key(&pending[used..]) {
                used += n;
                if !matches!(key, Key::Ctrl(b'\t')) {
                    tabs = 0;
                }
                let s = match key {
                    Key::Enter => {
                        echo.push_str(&ed.move_to_end());
                        echo.push_str(if pty.termios().onlcr { "\n" } else { "\r\n" });
                        self.tty_write(&echo).await;
                        // Typed ahead: for the command about to run, or the next line.
                        pty.unread(&pending[used..]);
                        return Line::Text(ed.text());
                    }
                    Key::Char(c) => ed.insert(c),
                    Key::Backspace => ed.backspace(),
                    Key::Delete => ed.delete(),
                    Key::Left => ed.move_to(ed.cursor.saturating_sub(1)),
                    Key::Right => ed.move_to(ed.cursor + 1),
                    Key::Home | Key::Ctrl(0x01) => ed.move_to(0),
                    Key::End | Key::Ctrl(0x05) => ed.move_to(ed.buf.len()),
                    Key::Ctrl(0x02) => ed.move_to(ed.cursor.saturating_sub(1)),
                    Key::Ctrl(0x06) => ed.move_to(ed.cursor + 1),
                    Key::WordLeft => ed.move_to(ed.word_start()),
                    Key::WordRight => ed.move_to(ed.word_end()),
                    Key::Up | Key::Ctrl(0x10) => {
                        let h = history.lock();
                        if hist_pos > 0 {
                            if hist_pos == h.len() {
                                typed = ed.text();
                            }
                            hist_pos -= 1;
                            ed.set(&h[hist_pos])
                        } else {
                            "\x07".to_owned()
                        }
                    }
                    Key::Down | Key::Ctrl(0x0e) => {
                        let h = history.lock();
                        if hist_pos < h.len() {
                            hist_pos += 1;
                            let text = if hist_pos == h.len() {
                                typed.clone()
                            } else {
                                h[hist_pos].clone()
                            };
                            ed.set(&text)
                        } else {
                            "\x07".to_owned()
                        }
                    }
                    Key::Ctrl(0x04) => {
                        if ed.buf.is_empty() {
                            self.tty_write(&echo).await;
                            pty.unread(&pending[used..]);
                            return Line::Eof;
                        }
                        ed.delete()
                    }
                    Key::Ctrl(0x0b) => {
                        ed.buf.truncate(ed.cursor);
                        ed.redraw()
                    }
                    Key::Ctrl(0x15) => {
                        ed.buf.drain(..ed.cursor);
                        ed.cursor = 0;
                        ed.redraw()
                    }
                    Key::Ctrl(0x17) => {
                        let start = ed.word_start();
                        ed.buf.drain(start..ed.cursor);
                        ed.cursor = start;
                        ed.redraw()
                    }
                    Key::Ctrl(0x0c) => {
                        ed.row = 0;
                        format!("\x1b[H\x1b[2J{}", ed.redraw())
                    }
                    Key::Ctrl(0x03) => {
                        // ^C as a byte: ISIG is off (a program changed the modes).
                        echo.push_str(&ed.move_to_end());
                        echo.push_str("^C\n");
                        self.tty_write(&echo).await;
                        pty.unread(&pending[used..]);
                        return Line::Interrupted;
                    }
                    Key::Ctrl(b'\t') => {
                        let (start, found) = self.completions(&ed).await;
                        let word: String = ed.buf[start..ed.cursor].iter().collect();
                        let prefix = common_prefix(&found);
                        if found.len() == 1 {
                            // The one completion, and a space after a whole name.
                            let mut rest: String = prefix[word.len()..].to_owned();
                            if !rest.ends_with('/') {
                                rest.push(' ');
                            }
                            tabs = 0;
                            rest.chars().map(|c| ed.insert(c)).collect()
                        } else if prefix.len() > word.len() {
                            tabs = 0;
                            prefix[word.len()..].chars().map(|c| ed.insert(c)).collect()
                        } else if found.is_empty() || tabs == 0 {
                            tabs += 1;
                            "\x07".to_owned()
                        } else {
                            // Tab twice: list them under the line, then draw the line again.
                            tabs = 0;
                            let mut list = ed.move_to_end();
                            list.push('\n');
                            for name in &found {
                                let shown = name
                                    .trim_end_matches('/')
                                    .rsplit('/')
                                    .next()
                                    .unwrap_or(name);
                                let slash = if name.ends_with('/') { "/" } else { "" };
                                list.push_str(&format!("{shown}{slash}  "));
                            }
                            list.push('\n');
                            ed.row = 0;
                            list.push_str(&ed.redraw());
                            list
                        }
                    }
                    Key::Ctrl(_) | Key::Ignored => String::new(),
                };
                echo.push_str(&s);
            }
            pending.drain(..used);
            self.tty_write(&echo).await;
        }
    }

    /// Run the interactive shell on the terminal `pty` until `exit` or end of file.
    pub(crate) async fn run_interactive(&mut self, pty: Arc<Pty>) -> i32 {
        self.interactive = true;
        self.history = Some(History::default());
        // As bash: ^C interrupts the command line, not the shell; ^\ does nothing to it. Both
        // are caught, not ignored: what the shell runs gets the default actions back.
        self.proc.catch(Signal::SIGINT, true);
        self.proc.catch(Signal::SIGQUIT, true);
        for (k, v) in [("PS1", r"\u@\h:\w\$ "), ("PS2", "> ")] {
            if self.get(k).is_none() {
                let _ = self.set(k, v);
            }
        }
        let mut src = String::new();
        loop {
            // `checkwinsize` (on in bash 5): COLUMNS and LINES follow the terminal.
            let (cols, rows) = pty.winsize();
            let _ = self.set("COLUMNS", &cols.to_string());
            let _ = self.set("LINES", &rows.to_string());
            let ps = if src.is_empty() { "PS1" } else { "PS2" };
            let prompt = expand_prompt(self, &self.get(ps).unwrap_or_default());
            let line = match self.read_line(&pty, prompt).await {
                Line::Text(t) => t,
                Line::Interrupted => {
                    src.clear();
                    self.status = 130;
                    continue;
                }
                Line::Eof => {
                    self.tty_write("exit\n").await;
                    return self.status;
                }
            };
            src.push_str(&line);
            src.push('\n');
            let prog = match super::parse(&src) {
                Ok(p) => p,
                Err(msg) if incomplete(&msg) => continue,
                Err(msg) => {
                    let mut parts = msg.split('\u{0}');
                    let _ = parts.next();
                    let mut out = String::new();
                    for p in parts {
                        out.push_str(&format!("{}: {p}\n", self.arg0));
                    }
                    self.write_err(out).await;
                    self.add_history(&src);
                    src.clear();
                    self.status = 2;
                    continue;
                }
            };
            self.add_history(&src);
            src.clear();
            let r = self.run_program(&prog).await;
            // A program that left the terminal raw (it exited without restoring it) does not
            // take ^C away from the next one: cooked mode again, as fish and zsh do.
            pty.set_termios(Termios::default());
            // A ^C that arrived while the command ran is spent.
            let _ = self.proc.take_caught();
            match r {
                Err(Ctl::Exit(code)) => {
                    self.tty_write("exit\n").await;
                    return code;
                }
                Err(Ctl::Interrupted) => self.status = 130,
                _ => {}
            }
            // A foreground program ended by a signal: bash ends the line after ^C and names
            // the others.
            let said = match self.status - 128 {
                2 => Some(""),
                1 => Some("Hangup"),
                3 => Some("Quit (core dumped)"),
                9 => Some("Killed"),
                15 => Some("Terminated"),
                _ => None,
            };
            if let Some(text) = said {
                self.tty_write(&format!("{text}\n")).await;
            }
        }
    }

    fn add_history(&self, src: &str) {
        let Some(h) = &self.history else { return };
        let entry = src.trim_end_matches('\n');
        if entry.trim().is_empty() {
            return;
        }
        let mut h = h.lock();
        if h.last().map(String::as_str) != Some(entry) {
            h.push(entry.to_owned());
        }
        let over = h.len().saturating_sub(HISTSIZE);
        h.drain(..over);
    }

    /// `history`: the commands entered, numbered.
    pub(crate) fn history_listing(&self) -> String {
        let Some(h) = &self.history else {
            return String::new();
        };
        h.lock()
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:>5}  {c}\n", i + 1))
            .collect()
    }
}
