// Lesson 26's challenge: a client that finds its server. Yours to write.
//
// Check it:       cargo exercise lesson-26-reach
// Stuck?          cargo hint lesson-26-reach      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-26-reach

use std::sync::Arc;

use tokio_rustls::rustls::ClientConfig;

#[allow(unused_imports)]
use crate::{Limits, ReachError, Reached, Resolve};

// ANCHOR: exercise
/// Reach the server called `host` on `port`, and ask it: every clause of the chapter's spec.
///
/// In short (the spec has every detail, and the checks test each clause):
/// - Resolving: `resolver.resolve(host, port)`, once. Its error, or no address at all, is
///   `ReachError::Resolve`.
/// - Connecting (RFC 8305): one attempt at a time, in the resolver's order; the next one (one
///   address, not all that are left) starts when the current ones have had `limits.stagger`
///   without success, or at once when one fails. An attempt fails after `limits.attempt`
///   (`TimedOut`). The first connection wins; every other
///   attempt still in progress is cancelled (its socket closed) before you return, and the
///   addresses not yet tried are not tried. All failed: `ReachError::AllFailed`, each
///   address with its own error, in the resolver's order.
/// - TLS over the winner, with `tls` (it trusts what it should): the certificate must be for
///   `host`, and `host` goes in the ClientHello (SNI). A refusal, or a `host` that is neither
///   a DNS name nor an IP address, is `ReachError::Tls`.
/// - Exchange: send `request`, all of it; read the answer to its end (the server's
///   close_notify), at most `limits.max_answer` bytes, else `ReachError::Exchange`.
/// - Deadline: everything, from the call (resolving included) to the answer's end, within
///   `limits.deadline`, else `ReachError::TimedOut`. One deadline for the whole call, not one
///   per phase (slow phases that together fit in it are fine; together past it, they are
///   not), and no shorter limit of your own on any phase (`limits.attempt` is for connection
///   attempts only). When it passes, whichever phase it interrupts (a server that never
///   starts its handshake, never answers, or trickles its answer without end), the error is
///   `TimedOut`, not `Tls` or `Exchange`, and it comes then, not later. Whichever way you
///   return, no attempt of yours is left connecting.
/// - Print nothing: the lesson narrates around your function.
pub async fn reach(
    resolver: &dyn Resolve,
    host: &str,
    port: u16,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> Result<Reached, ReachError> {
    let _ = (resolver, host, port, tls, request, limits);
    todo!("resolve, connect with Happy Eyeballs, TLS for host, request, answer")
}
// ANCHOR_END: exercise
