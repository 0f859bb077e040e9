// WRONG: a failure starts the next attempt only when no other attempt is in progress: with a
// black hole still waiting, an address that refuses at once makes the next one wait for the
// stagger all the same.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, timeout_at, Instant};
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;

#[allow(unused_imports)]
use crate::{Limits, ReachError, Reached, Resolve};

pub async fn reach(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    let deadline = Instant::now() + limits.deadline;
    match timeout_at(deadline, all(resolver, host, port, tls, request, limits)).await {
        Ok(result) => result,
        Err(_) => Err(ReachError::TimedOut),
    }
}

async fn all(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    let addrs = resolver.resolve(host, port).map_err(ReachError::Resolve)?;
    if addrs.is_empty() {
        return Err(ReachError::Resolve(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}: no address"),
        )));
    }
    let (stream, addr) = race(&addrs, limits).await?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| ReachError::Tls(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
    let mut stream = TlsConnector::from(tls)
        .connect(name, stream)
        .await
        .map_err(ReachError::Tls)?;
    stream
        .write_all(request)
        .await
        .map_err(ReachError::Exchange)?;
    stream.flush().await.map_err(ReachError::Exchange)?;
    let mut answer = Vec::new();
    (&mut stream)
        .take(limits.max_answer as u64 + 1)
        .read_to_end(&mut answer)
        .await
        .map_err(ReachError::Exchange)?;
    if answer.len() > limits.max_answer {
        return Err(ReachError::Exchange(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("an answer longer than {} bytes", limits.max_answer),
        )));
    }
    Ok(Reached { addr, answer })
}

async fn race(
    addrs: &[SocketAddr],
    limits: &Limits,
) -> Result<(TcpStream, SocketAddr), ReachError> {
    let mut errors: Vec<Option<io::Error>> = addrs.iter().map(|_| None).collect();
    let mut set = JoinSet::new();
    let mut next = 0;
    let attempt = limits.attempt;
    let mut start = |set: &mut JoinSet<_>, next: &mut usize| {
        let i = *next;
        let addr = addrs[i];
        *next += 1;
        set.spawn(async move {
            let result = match timeout(attempt, TcpStream::connect(addr)).await {
                Ok(r) => r,
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time")),
            };
            (i, result)
        });
    };
    start(&mut set, &mut next);
    loop {
        if set.is_empty() {
            if next < addrs.len() {
                start(&mut set, &mut next);
                continue;
            }
            let all = addrs
                .iter()
                .zip(errors)
                .map(|(a, e)| (*a, e.unwrap_or_else(|| io::Error::other("not tried"))))
                .collect();
            return Err(ReachError::AllFailed(all));
        }
        let more = next < addrs.len();
        tokio::select! {
            Some(done) = set.join_next() => {
                let (i, result) = done.expect("an attempt panicked");
                match result {
                    Ok(stream) => {
                        set.shutdown().await;
                        return Ok((stream, addrs[i]));
                    }
                    Err(e) => {
                        errors[i] = Some(e);
                        let _ = more;
                    }
                }
            }
            _ = sleep(limits.stagger), if more => start(&mut set, &mut next),
        }
    }
}
