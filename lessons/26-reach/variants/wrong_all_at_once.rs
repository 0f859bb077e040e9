// WRONG: every address at once, no stagger. It is fast, but it opens a connection to every
// address of every name it reaches, and each server it does not use sees a connection come
// and go. RFC 8305 §5: attempts SHOULD NOT be made simultaneously.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;

use crate::{Limits, ReachError, Reached, Resolve};

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
    let work = async {
        let addrs = resolver.resolve(host, port).map_err(ReachError::Resolve)?;
        if addrs.is_empty() {
            let none = io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"));
            return Err(ReachError::Resolve(none));
        }
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| ReachError::Tls(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
        let (tcp, addr) = happy_eyeballs(&addrs, limits).await?;
        let connector = TlsConnector::from(tls);
        let mut tls = connector.connect(name, tcp).await.map_err(ReachError::Tls)?;
        let answer = exchange(&mut tls, request, limits.max_answer).await;
        Ok(Reached { addr, answer: answer.map_err(ReachError::Exchange)? })
    };
    timeout(limits.deadline, work).await.unwrap_or(Err(ReachError::TimedOut))
}

/// Every address at once: the first to connect wins.
async fn happy_eyeballs(
    addrs: &[SocketAddr],
    limits: &Limits,
) -> Result<(TcpStream, SocketAddr), ReachError> {
    let mut attempts = JoinSet::new();
    for (i, &addr) in addrs.iter().enumerate() {
        let limit = limits.attempt;
        attempts.spawn(async move {
            let tried = timeout(limit, TcpStream::connect(addr)).await;
            (i, tried.unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())))
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = attempts.join_next().await {
        match done {
            Ok((i, Ok(tcp))) => return Ok((tcp, addrs[i])),
            Ok((i, Err(e))) => failures.push((i, e)),
            Err(e) => failures.push((usize::MAX, io::Error::other(e))),
        }
    }
    failures.sort_by_key(|(i, _)| *i);
    let each = failures.into_iter().filter_map(|(i, e)| Some((*addrs.get(i)?, e)));
    Err(ReachError::AllFailed(each.collect()))
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
    (&mut *tls).take(max as u64 + 1).read_to_end(&mut answer).await?;
    if answer.len() > max {
        let why = format!("an answer longer than {max} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    Ok(answer)
}
