// WRONG: the exchange runs under a deadline timer of its own, and its expiry is returned as
// ReachError::Exchange(TimedOut): a server that completes the handshake and then stalls (or
// trickles) is reported as a failed exchange, not as ReachError::TimedOut, the one error the
// contract gives for the deadline passing.
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, Instant};
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;

use crate::{Limits, ReachError, Reached, Resolve};

// ANCHOR: solution
/// Resolve `host`, connect (Happy Eyeballs), TLS for `host`, send `request`, read the answer;
/// all within `limits.deadline`.
pub async fn reach(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    let began = Instant::now();
    let connected = async {
        let addrs = resolver.resolve(host, port).map_err(ReachError::Resolve)?;
        if addrs.is_empty() {
            let none = io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"));
            return Err(ReachError::Resolve(none));
        }
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| ReachError::Tls(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
        let (tcp, addr) = happy_eyeballs(&addrs, limits).await?;
        let connector = TlsConnector::from(tls);
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(ReachError::Tls)?;
        Ok((tls, addr))
    };
    let (mut tls, addr) = timeout(limits.deadline, connected)
        .await
        .unwrap_or(Err(ReachError::TimedOut))?;
    // What is left of the deadline, for the exchange.
    let left = limits.deadline.saturating_sub(began.elapsed());
    let answer = match timeout(left, exchange(&mut tls, request, limits.max_answer)).await {
        Ok(answer) => answer,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the exchange took too long",
        )),
    };
    Ok(Reached {
        addr,
        answer: answer.map_err(ReachError::Exchange)?,
    })
}

/// RFC 8305 §5: one attempt at a time, the next after `stagger` (or at once when one fails),
/// the first connection wins, the others are cancelled.
async fn happy_eyeballs(
    addrs: &[SocketAddr],
    limits: &Limits,
) -> Result<(TcpStream, SocketAddr), ReachError> {
    // Dropping a JoinSet aborts its tasks: on return, every attempt still running is
    // cancelled, and its socket closed.
    let mut attempts = JoinSet::new();
    let mut failures: Vec<(usize, io::Error)> = Vec::new();
    let mut next = 0;
    let mut next_at = Instant::now();
    loop {
        if next < addrs.len() && (attempts.is_empty() || Instant::now() >= next_at) {
            let (i, addr, limit) = (next, addrs[next], limits.attempt);
            attempts.spawn(async move {
                let tried = timeout(limit, TcpStream::connect(addr)).await;
                (
                    i,
                    tried.unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
                )
            });
            next += 1;
            next_at = Instant::now() + limits.stagger;
            continue;
        }
        let waiting = next < addrs.len();
        tokio::select! {
            Some(done) = attempts.join_next() => match done {
                Ok((i, Ok(tcp))) => return Ok((tcp, addrs[i])),
                // A failure starts the next attempt at once: no point waiting for it.
                Ok((i, Err(e))) => {
                    failures.push((i, e));
                    next_at = Instant::now();
                }
                Err(e) => failures.push((usize::MAX, io::Error::other(e))),
            },
            _ = sleep(next_at.saturating_duration_since(Instant::now())), if waiting => {}
        }
        if attempts.is_empty() && next == addrs.len() {
            failures.sort_by_key(|(i, _)| *i);
            let each = failures
                .into_iter()
                .filter_map(|(i, e)| Some((*addrs.get(i)?, e)));
            return Err(ReachError::AllFailed(each.collect()));
        }
    }
}

/// Send the request, read the answer to its end (close_notify), at most `max` bytes.
async fn exchange<S>(tls: &mut S, request: &[u8], max: usize) -> io::Result<Vec<u8>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    tls.write_all(request).await?;
    tls.flush().await?;
    let mut answer = Vec::new();
    // One byte more than we take: if it comes, the answer was too long.
    (&mut *tls)
        .take(max as u64 + 1)
        .read_to_end(&mut answer)
        .await?;
    if answer.len() > max {
        let why = format!("an answer longer than {max} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    Ok(answer)
}
// ANCHOR_END: solution
