// WRONG: a thread for each connection (chapter 11), each blocked in its own read. It is
// correct line by line, but a thousand clients are a thousand threads (and their stacks): the
// spec allows 16 threads, whatever the number of clients.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::{Limits, Report};

pub fn serve(listener: TcpListener, limits: Limits, report: Report) -> io::Result<()> {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                thread::spawn(move || echo(stream, limits));
            }
            Err(e) => {
                report.accept_failed(&e);
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Reads against one deadline, whatever the number of recv() calls it takes.
struct Timed<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        (&mut &*self.stream).read(buf)
    }
}

fn echo(stream: TcpStream, limits: Limits) -> io::Result<()> {
    stream.set_write_timeout(Some(limits.idle))?;
    let mut writer = &stream;
    let mut reader = BufReader::with_capacity(
        1024,
        Timed {
            stream: &stream,
            deadline: Instant::now(),
        },
    );
    let mut line = Vec::new();
    loop {
        line.clear();
        reader.get_mut().deadline = Instant::now() + limits.idle;
        (&mut reader)
            .take(limits.max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.last() == Some(&b'\n') {
            writer.write_all(&line)?;
        } else if line.len() == limits.max_line {
            return writer.write_all(b"ERR line too long\n");
        } else {
            return Ok(());
        }
    }
}
