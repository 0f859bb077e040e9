// WRONG: the attempts are tasks of their own, aborted only when a connection wins: when the
// deadline passes first (or reach returns any other way), they go on connecting, their SYNs
// retransmitted, until their own time limit.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;

use crate::{Limits, ReachError, Reached, Resolve};

pub async fn reach(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    match timeout(
        limits.deadline,
        steps(resolver, host, port, tls, request, limits),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(ReachError::TimedOut),
    }
}

async fn steps(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    let addrs = match resolver.resolve(host, port) {
        Ok(addrs) if !addrs.is_empty() => addrs,
        Ok(_) => {
            return Err(ReachError::Resolve(io::Error::other(
                "the name has no address",
            )))
        }
        Err(e) => return Err(ReachError::Resolve(e)),
    };
    let server_name = match ServerName::try_from(host.to_owned()) {
        Ok(name) => name,
        Err(e) => {
            return Err(ReachError::Tls(io::Error::new(
                io::ErrorKind::InvalidInput,
                e,
            )))
        }
    };
    let (tcp, addr) = race(&addrs, limits).await?;
    let mut stream = TlsConnector::from(tls)
        .connect(server_name, tcp)
        .await
        .map_err(ReachError::Tls)?;
    stream
        .write_all(request)
        .await
        .map_err(ReachError::Exchange)?;
    stream.flush().await.map_err(ReachError::Exchange)?;
    let mut answer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(ReachError::Exchange)?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
        if answer.len() > limits.max_answer {
            return Err(ReachError::Exchange(io::Error::other(
                "the answer is too long",
            )));
        }
    }
    Ok(Reached { addr, answer })
}

/// The attempts' tasks, aborted when a connection wins.
struct Attempts(Vec<JoinHandle<()>>);

type Outcome = (usize, io::Result<TcpStream>);

impl Attempts {
    /// Start connecting to `addr` in a task of its own; the outcome comes back on `tx`.
    fn start(
        &mut self,
        index: usize,
        addr: SocketAddr,
        limit: Duration,
        tx: &UnboundedSender<Outcome>,
    ) {
        let tx = tx.clone();
        self.0.push(tokio::spawn(async move {
            let result = match timeout(limit, TcpStream::connect(addr)).await {
                Ok(result) => result,
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time")),
            };
            let _ = tx.send((index, result));
        }));
    }
}

async fn race(
    addrs: &[SocketAddr],
    limits: &Limits,
) -> Result<(TcpStream, SocketAddr), ReachError> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut attempts = Attempts(Vec::new());
    let mut errors: Vec<Option<io::Error>> = addrs.iter().map(|_| None).collect();
    let mut pending = addrs.iter().copied().enumerate().peekable();
    let mut running = 0;
    loop {
        if running == 0 {
            // Nothing in flight (the first, or every one so far failed): the next one now.
            let Some((index, addr)) = pending.next() else {
                break;
            };
            attempts.start(index, addr, limits.attempt, &tx);
            running += 1;
        }
        // Wait for an outcome; while addresses are left, at most the stagger.
        let outcome = if pending.peek().is_some() {
            timeout(limits.stagger, rx.recv()).await.ok().flatten()
        } else {
            rx.recv().await
        };
        let failed = match outcome {
            Some((index, Ok(tcp))) => {
                for attempt in &attempts.0 {
                    attempt.abort();
                }
                return Ok((tcp, addrs[index]));
            }
            Some((index, Err(e))) => {
                errors[index] = Some(e);
                running -= 1;
                true
            }
            None => false, // the stagger passed
        };
        // The stagger passed, or an attempt failed: the next address, if there is one.
        if failed || running > 0 {
            if let Some((index, addr)) = pending.next() {
                attempts.start(index, addr, limits.attempt, &tx);
                running += 1;
            }
        }
    }
    let all = addrs
        .iter()
        .zip(errors)
        .filter_map(|(a, e)| Some((*a, e?)))
        .collect();
    Err(ReachError::AllFailed(all))
}
