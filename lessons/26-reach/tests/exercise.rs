//! The challenge's battery: YOUR `reach` against servers, refusing ports and black holes of
//! the checks' own, over real sockets on 127.0.0.1, with a resolver the checks control. Each
//! check is named after the spec's section it tests (`resolving_…`, `connecting_…`, `tls_…`,
//! `exchange_…`, `deadline_…`). (`cargo exercise lesson-26-reach` runs them on
//! src/exercise.rs.)

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lesson_26_reach::{reach, Limits, ReachError, Reached, Resolve};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use testkit::{fail, yours};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

// ---- the checks' resolver ----

/// Answers every name with the addresses the check chose, and logs what it was asked.
struct Fixed {
    addrs: io::Result<Vec<SocketAddr>>,
    asked: Mutex<Vec<(String, u16)>>,
}

impl Fixed {
    fn new(addrs: Vec<SocketAddr>) -> Fixed {
        Fixed {
            addrs: Ok(addrs),
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl Resolve for Fixed {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        self.asked.lock().unwrap().push((host.to_string(), port));
        match &self.addrs {
            Ok(addrs) => Ok(addrs.clone()),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }
}

/// A resolver that takes its time (as getaddrinfo may, asking a DNS server far away) before
/// answering as `Fixed` does.
struct Slow(Fixed, Duration);

impl Resolve for Slow {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        std::thread::sleep(self.1);
        self.0.resolve(host, port)
    }
}

// ---- the checks' TLS servers ----

/// A CA, and what a client needs to trust it.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    client: Arc<ClientConfig>,
}

fn ca() -> Ca {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "checks CA");
    let cert = params.self_signed(&key).unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.der().to_vec()))
        .unwrap();
    let client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ca {
        params,
        key,
        client: Arc::new(client),
    }
}

/// What a server does once the handshake is through.
#[derive(Clone, Copy)]
enum Answer {
    /// The request line in capitals, then close_notify.
    Capitals,
    /// This many bytes of `a`, then close_notify.
    Bytes(usize),
    /// Nothing, ever (the connection stays open).
    Nothing,
    /// This many bytes of `a`, then a plain TCP close without close_notify: the answer was
    /// cut (by an attacker, or a crash), and the client cannot know how much is missing.
    Cut(usize),
    /// Bytes of `a` for as long as the client reads them.
    Endless,
    /// Slow at every phase: waits this long before its side of the TLS handshake, and again,
    /// once it has the request, before answering in capitals (then close_notify).
    Dawdles(Duration),
    /// Takes the TCP connection and never sends a byte: no TLS handshake, ever.
    Silent,
    /// Once it has the request, one byte of `a` each time this long has passed, never the end.
    Trickle(Duration),
}

/// What a server saw.
#[derive(Default)]
struct Log {
    connections: usize,
    sni: Vec<String>,
    requests: Vec<Vec<u8>>,
}

/// A TLS server on 127.0.0.1:0 with a certificate for `names` signed by `ca`.
async fn tls_server(ca: &Ca, names: &[&str], answer: Answer) -> (SocketAddr, Arc<Mutex<Log>>) {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let issuer = Issuer::from_params(&ca.params, &ca.key);
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let key = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Log::default()));
    let logged = log.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            logged.lock().unwrap().connections += 1;
            let (acceptor, log) = (acceptor.clone(), logged.clone());
            tokio::spawn(async move {
                match answer {
                    // Holding the connection open, and silent.
                    Answer::Silent => return std::future::pending::<()>().await,
                    Answer::Dawdles(pause) => tokio::time::sleep(pause).await,
                    _ => {}
                }
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let sni = tls.get_ref().1.server_name().unwrap_or("").to_string();
                log.lock().unwrap().sni.push(sni);
                let mut tls = BufReader::new(tls);
                let mut line = Vec::new();
                if tls.read_until(b'\n', &mut line).await.is_err() {
                    return;
                }
                log.lock().unwrap().requests.push(line.clone());
                let reply = match answer {
                    Answer::Capitals => line.to_ascii_uppercase(),
                    Answer::Bytes(n) => vec![b'a'; n],
                    Answer::Nothing => return std::future::pending().await,
                    Answer::Cut(n) => {
                        let _ = tls.write_all(&vec![b'a'; n]).await;
                        let _ = tls.flush().await;
                        // FIN on the TCP connection under TLS, with no close_notify before it.
                        let _ = tls.into_inner().get_mut().0.shutdown().await;
                        return;
                    }
                    Answer::Endless => {
                        while tls.write_all(&[b'a'; 4096]).await.is_ok() {}
                        return;
                    }
                    Answer::Dawdles(pause) => {
                        tokio::time::sleep(pause).await;
                        line.to_ascii_uppercase()
                    }
                    Answer::Trickle(every) => loop {
                        tokio::time::sleep(every).await;
                        if tls.write_all(b"a").await.is_err() || tls.flush().await.is_err() {
                            return;
                        }
                    },
                    Answer::Silent => unreachable!("a silent server never gets a request"),
                };
                let _ = tls.write_all(&reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, log)
}

// ---- running YOUR reach ----

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Limits for the checks: short, so that the battery is quick.
fn limits() -> Limits {
    Limits {
        stagger: Duration::from_millis(250),
        attempt: Duration::from_secs(5),
        deadline: Duration::from_secs(8),
        max_answer: 1000,
    }
}

/// Your reach, and how long it took.
async fn run(
    resolver: &dyn Resolve,
    host: &str,
    tls: Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> (Result<Reached, ReachError>, Duration) {
    let began = Instant::now();
    // A reach that never returns would hang the check: it is given up on, and reported, well
    // past its own deadline.
    let grace = Duration::from_secs(5);
    let reached = reach(resolver, host, 7026, tls, request, limits);
    let Ok(got) = tokio::time::timeout(limits.deadline + grace, reached).await else {
        fail(
            "Your reach was still running 5 s after limits.deadline: everything, from resolving to the end of the answer, must end within the deadline.",
            &format!("a result within {} ms", limits.deadline.as_millis()),
            &format!("still running after {} ms", began.elapsed().as_millis()),
        );
    };
    (got, began.elapsed())
}

/// Your reach on the check's runtime, its panics reported as yours.
fn reach_as(
    rt: &tokio::runtime::Runtime,
    resolver: &dyn Resolve,
    host: &str,
    client: &Arc<ClientConfig>,
    request: &[u8],
    limits: &Limits,
) -> (Result<Reached, ReachError>, Duration) {
    yours(|| rt.block_on(run(resolver, host, client.clone(), request, limits)))
}

fn show(got: &Result<Reached, ReachError>) -> String {
    match got {
        Ok(r) => format!(
            "Ok(reached {} with answer b\"{}\")",
            r.addr,
            r.answer.escape_ascii()
        ),
        Err(ReachError::AllFailed(each)) => {
            let each: Vec<String> = each
                .iter()
                .map(|(a, e)| format!("{a}: {:?}", e.kind()))
                .collect();
            format!("Err(AllFailed [{}])", each.join(", "))
        }
        Err(e) => format!("Err({e:?})"),
    }
}

/// The normal case: reached `addr`, with the answer in capitals.
#[track_caller]
fn expect_reached(got: &Result<Reached, ReachError>, addr: SocketAddr, what: &str) {
    if !matches!(got, Ok(r) if r.addr == addr && r.answer == b"HELLO\n") {
        fail(
            what,
            &format!("Ok(reached {addr} with answer b\"HELLO\\n\")"),
            &show(got),
        );
    }
}

// ---- Resolving ----

/// The usual set-up: a server for "localhost" answering in capitals, its address after
/// `before` (refusing ports, black holes) and before `after` in the resolver's answer; your
/// reach, asked b"hello\n" with `limits`, must get that server's answer (`what` says the
/// case). What the resolver was asked, and how long reach took.
#[track_caller]
fn reach_the_server(
    before: &[SocketAddr],
    after: &[SocketAddr],
    limits: &Limits,
    what: &str,
) -> (Vec<(String, u16)>, Duration) {
    let rt = runtime();
    let ca = ca();
    let (addr, _) = rt.block_on(tls_server(&ca, &["localhost"], Answer::Capitals));
    let resolver = Fixed::new([before, &[addr], after].concat());
    let (got, took) = reach_as(&rt, &resolver, "localhost", &ca.client, b"hello\n", limits);
    expect_reached(&got, addr, what);
    let asked = resolver.asked.lock().unwrap().clone();
    (asked, took)
}

/// Reached within `window`, else the check fails: `what` says why, `expected` when.
#[track_caller]
fn expect_took(took: Duration, window: std::ops::Range<Duration>, what: &str, expected: &str) {
    if !window.contains(&took) {
        fail(
            what,
            expected,
            &format!("reached after {} ms", took.as_millis()),
        );
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn resolving_asks_the_resolver_once_for_the_name_and_port() {
    let (asked, _) = reach_the_server(
        &[],
        &[],
        &limits(),
        "One address, a server for \"localhost\": reach should get its answer.",
    );
    if asked != [("localhost".to_string(), 7026)] {
        fail(
            "The resolver must be asked once, for the host and the port.",
            "[(\"localhost\", 7026)]",
            &format!("{asked:?}"),
        );
    }
}

#[test]
fn resolving_an_error_or_no_address_is_a_resolve_error() {
    let rt = runtime();
    let ca = ca();
    for resolver in [
        Fixed {
            addrs: Err(io::Error::other("no such name")),
            asked: Mutex::new(Vec::new()),
        },
        Fixed::new(Vec::new()),
    ] {
        let (got, _) = reach_as(
            &rt,
            &resolver,
            "nowhere.test",
            &ca.client,
            b"hello\n",
            &limits(),
        );
        if !matches!(got, Err(ReachError::Resolve(_))) {
            fail(
                "A resolver that fails, or finds no address, must give ReachError::Resolve.",
                "Err(Resolve(…))",
                &show(&got),
            );
        }
    }
}

// ---- Connecting ----

#[test]
fn connecting_a_refused_address_moves_on_at_once() {
    let refusing = testkit::refusing_port();
    // A long stagger, so that waiting for it would show.
    let limits = Limits {
        stagger: ms(1000),
        ..limits()
    };
    let (_, took) = reach_the_server(
        &[refusing.addr],
        &[],
        &limits,
        "The first address refuses, the second serves: reach should get there.",
    );
    expect_took(
        took,
        ms(0)..ms(600),
        "A refused attempt has failed: the next one starts at once, not after the stagger (1 s here).",
        "reached in well under 1 s",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn connecting_a_black_hole_is_overtaken_after_the_stagger() {
    let hole = lesson_26_reach::black_hole().unwrap();
    let (_, took) = reach_the_server(
        &[hole.addr],
        &[],
        &limits(),
        "The first address never answers (a black hole), the second serves.",
    );
    expect_took(
        took,
        ms(240)..ms(2000),
        "The second attempt starts when the first has had the stagger (250 ms) without success: not before, and not after the first attempt gives up (5 s here).",
        "reached after 250 ms and a little",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn connecting_a_failure_starts_the_next_at_once_while_another_attempt_waits() {
    let hole = lesson_26_reach::black_hole().unwrap();
    let refusing = testkit::refusing_port();
    let limits = Limits {
        stagger: ms(1000),
        ..limits()
    };
    let (_, took) = reach_the_server(
        &[hole.addr, refusing.addr],
        &[],
        &limits,
        "A black hole, a refused port, then the server: reach should get to the server.",
    );
    expect_took(
        took,
        ms(950)..ms(1600),
        "The black hole has its stagger (1 s) alone; then the second address refuses at once, and the third starts at once too, although the black hole's attempt is still waiting: a failure starts the next attempt, whatever else is in progress.",
        "reached after 1 s and a little",
    );
}

#[test]
fn connecting_attempts_are_staggered_not_simultaneous() {
    // A listener that only counts: a connection to it means an attempt was made.
    let spy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    spy.set_nonblocking(true).unwrap();
    reach_the_server(
        &[],
        &[spy.local_addr().unwrap()],
        &limits(),
        "The first address serves at once.",
    );
    // The kernel completes a handshake without accept(): a connect() there would be queued.
    if spy.accept().is_ok() {
        fail(
            "The first attempt succeeded at once, yet the second address was tried too: attempts start one at a time, the next only after the stagger, and an address not yet tried once one has won is not tried.",
            "no connection to the second address",
            "a connection to the second address",
        );
    }
}

/// Sockets of this process in SYN_SENT towards `port` (Linux: /proc/net/tcp).
#[cfg(target_os = "linux")]
fn syn_sent_to(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let remote = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3 && fields[2].ends_with(&remote) && fields[3] == "02"
        })
        .count()
}

/// Your reach, through a resolver answering `addrs`, on `rt`; then, once
/// the runtime has had a few turns to drop the tasks it aborted (no sleeping: an attempt
/// still running would still be running after it), how many sockets of this process are
/// still connecting to `hole`. What came back, how long it took, and that count.
#[cfg(target_os = "linux")]
fn reach_then_count_connecting(
    rt: &tokio::runtime::Runtime,
    ca: &Ca,
    addrs: Vec<SocketAddr>,
    limits: &Limits,
    hole: SocketAddr,
) -> (Result<Reached, ReachError>, Duration, usize) {
    let resolver = Fixed::new(addrs);
    yours(|| {
        rt.block_on(async {
            let (got, took) = run(
                &resolver,
                "localhost",
                ca.client.clone(),
                b"hello\n",
                limits,
            )
            .await;
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            (got, took, syn_sent_to(hole.port()))
        })
    })
}

#[cfg(target_os = "linux")]
#[track_caller]
fn expect_none_connecting(left: usize, hole: SocketAddr, what: &str) {
    if left > 0 {
        fail(
            what,
            "no socket still connecting to the black hole",
            &format!("{left} socket(s) in SYN_SENT to {hole}"),
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn connecting_the_losing_attempts_are_cancelled() {
    let rt = runtime();
    let ca = ca();
    let hole = lesson_26_reach::black_hole().unwrap();
    let (addr, _) = rt.block_on(tls_server(&ca, &["localhost"], Answer::Capitals));
    let (got, _, left) =
        reach_then_count_connecting(&rt, &ca, vec![hole.addr, addr], &limits(), hole.addr);
    expect_reached(
        &got,
        addr,
        "The first address never answers, the second serves.",
    );
    expect_none_connecting(
        left,
        hole.addr,
        "Once a connection has won, the attempts still in progress must be cancelled: their sockets closed, not left waiting for their own time limit.",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn connecting_every_failure_is_reported_with_its_address_in_order() {
    let rt = runtime();
    let ca = ca();
    let (first, hole, last) = (
        testkit::refusing_port(),
        lesson_26_reach::black_hole().unwrap(),
        testkit::refusing_port(),
    );
    let resolver = Fixed::new(vec![first.addr, hole.addr, last.addr]);
    let limits = Limits {
        attempt: Duration::from_millis(300),
        ..limits()
    };
    let (got, took) = reach_as(&rt, &resolver, "localhost", &ca.client, b"hello\n", &limits);
    let kinds = match &got {
        Err(ReachError::AllFailed(each)) => each.iter().map(|(a, e)| (*a, e.kind())).collect(),
        _ => Vec::new(),
    };
    let want = vec![
        (first.addr, io::ErrorKind::ConnectionRefused),
        (hole.addr, io::ErrorKind::TimedOut),
        (last.addr, io::ErrorKind::ConnectionRefused),
    ];
    if kinds != want {
        fail(
            "Every address failed (refused, no answer within limits.attempt, refused): ReachError::AllFailed names each with its own error, in the resolver's order.",
            &format!("Err(AllFailed [{}: ConnectionRefused, {}: TimedOut, {}: ConnectionRefused])", first.addr, hole.addr, last.addr),
            &show(&got),
        );
    }
    if took >= Duration::from_millis(1000) {
        fail(
            "The black hole's attempt fails after limits.attempt (300 ms here), not after a time limit of your own: everything has failed after 300 ms and a little.",
            "Err(AllFailed …) after 300 ms and a little",
            &format!("{} after {} ms", show(&got), took.as_millis()),
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn connecting_one_new_attempt_per_stagger_even_after_a_failure() {
    let refusing = testkit::refusing_port();
    let (first_hole, second_hole) = (
        lesson_26_reach::black_hole().unwrap(),
        lesson_26_reach::black_hole().unwrap(),
    );
    let (_, took) = reach_the_server(
        &[refusing.addr, first_hole.addr, second_hole.addr],
        &[],
        &limits(),
        "A refused port, two black holes, then the server: reach should get to the server.",
    );
    expect_took(
        took,
        ms(480)..ms(1500),
        "The refusal starts the first black hole at once; it has its stagger (250 ms) alone, then the second black hole its own 250 ms, and only then the server: one new attempt at a time, whether it was started by a failure or by a stagger.",
        "reached after 500 ms and a little",
    );
}

// ---- TLS ----

/// One server of our CA with a certificate for `names`, reached as `host` with `request`:
/// what came back, where the server was, what it saw, and how long it took.
fn one_server(
    names: &[&str],
    answer: Answer,
    host: &str,
    request: &[u8],
    limits: &Limits,
) -> (
    Result<Reached, ReachError>,
    SocketAddr,
    Arc<Mutex<Log>>,
    Duration,
) {
    let rt = runtime();
    let ca = ca();
    let (addr, log) = rt.block_on(tls_server(&ca, names, answer));
    let resolver = Fixed::new(vec![addr]);
    let (got, took) = reach_as(&rt, &resolver, host, &ca.client, request, limits);
    (got, addr, log, took)
}

/// The usual call: a server for "localhost" answering as `answer`, found by a resolver that
/// takes `resolving` to answer, asked b"hello\n". What came back, and how long it took.
fn hello_after(
    resolving: Duration,
    answer: Answer,
    limits: &Limits,
) -> (Result<Reached, ReachError>, Duration) {
    let rt = runtime();
    let ca = ca();
    let (addr, _) = rt.block_on(tls_server(&ca, &["localhost"], answer));
    let resolver = Slow(Fixed::new(vec![addr]), resolving);
    reach_as(&rt, &resolver, "localhost", &ca.client, b"hello\n", limits)
}

/// The same with a resolver that answers at once.
fn hello(answer: Answer, limits: &Limits) -> (Result<Reached, ReachError>, Duration) {
    hello_after(Duration::ZERO, answer, limits)
}

#[test]
fn tls_the_name_goes_in_the_client_hello() {
    let (got, addr, log, _) = one_server(
        &["localhost"],
        Answer::Capitals,
        "localhost",
        b"hello\n",
        &limits(),
    );
    expect_reached(&got, addr, "A server for \"localhost\".");
    let sni = log.lock().unwrap().sni.clone();
    if sni != ["localhost"] {
        fail(
            "The server read this name in the ClientHello (SNI).",
            "[\"localhost\"]",
            &format!("{sni:?}"),
        );
    }
}

/// A server of our CA with a certificate for `names`, reached as `host`: the handshake must
/// fail, `ReachError::Tls`, and no request be sent (`what` says why).
#[track_caller]
fn expect_refused_before_any_request(names: &[&str], host: &str, what: &str) {
    let (got, _, log, _) = one_server(names, Answer::Capitals, host, b"hello\n", &limits());
    let requests = log.lock().unwrap().requests.len();
    if !matches!(got, Err(ReachError::Tls(_))) || requests > 0 {
        fail(
            what,
            "Err(Tls(…)), no request sent",
            &format!("{}, {requests} request(s) sent", show(&got)),
        );
    }
}

#[test]
fn tls_a_certificate_for_another_name_is_refused() {
    expect_refused_before_any_request(
        &["other.test"],
        "localhost",
        "The certificate is from the CA you trust, but for \"other.test\", not \"localhost\": the handshake must fail, before any request.",
    );
}

#[test]
fn tls_a_certificate_from_another_ca_is_refused() {
    let rt = runtime();
    let (trusted, other) = (ca(), ca());
    let (addr, _) = rt.block_on(tls_server(&other, &["localhost"], Answer::Capitals));
    let resolver = Fixed::new(vec![addr]);
    let (got, _) = reach_as(
        &rt,
        &resolver,
        "localhost",
        &trusted.client,
        b"hello\n",
        &limits(),
    );
    if !matches!(got, Err(ReachError::Tls(_))) {
        fail(
            "The certificate is for \"localhost\", but from a CA you do not trust.",
            "Err(Tls(…))",
            &show(&got),
        );
    }
}

#[test]
fn tls_a_host_that_is_no_name_is_a_tls_error() {
    expect_refused_before_any_request(
        &["localhost"],
        "no such!name",
        "host \"no such!name\" is neither a DNS name nor an IP address: no certificate can be checked for it. That is ReachError::Tls (not a panic), and no request is sent.",
    );
}

#[test]
fn tls_an_ip_address_is_a_name_too() {
    let (got, addr, _, _) = one_server(
        &["127.0.0.1"],
        Answer::Capitals,
        "127.0.0.1",
        b"hello\n",
        &limits(),
    );
    expect_reached(
        &got,
        addr,
        "host \"127.0.0.1\", a certificate for the IP address 127.0.0.1.",
    );
}

// ---- Exchange ----

#[test]
fn exchange_the_request_goes_whole_and_the_answer_is_read_to_its_end() {
    let request = b"GET /the-whole-request please\n";
    let (got, _, log, _) = one_server(
        &["localhost"],
        Answer::Bytes(1000),
        "localhost",
        request,
        &limits(),
    );
    let requests = log.lock().unwrap().requests.clone();
    let answer = match &got {
        Ok(r) => format!("an answer of {} bytes", r.answer.len()),
        Err(_) => show(&got),
    };
    if requests != [request.to_vec()] || !matches!(&got, Ok(r) if r.answer == vec![b'a'; 1000]) {
        let seen: Vec<String> = requests
            .iter()
            .map(|r| r.escape_ascii().to_string())
            .collect();
        fail(
            "The server read the request and answered exactly limits.max_answer (1000) bytes, then close_notify.",
            &format!("the request b\"{}\", an answer of 1000 bytes", request.escape_ascii()),
            &format!("requests {seen:?}, {answer}"),
        );
    }
}

#[test]
fn exchange_an_answer_over_the_limit_is_an_error() {
    let (got, _) = hello(Answer::Bytes(1001), &limits());
    if !matches!(got, Err(ReachError::Exchange(_))) {
        fail(
            "An answer of 1001 bytes, one over limits.max_answer.",
            "Err(Exchange(…))",
            &show(&got),
        );
    }
}

#[test]
fn exchange_an_answer_cut_without_close_notify_is_an_error() {
    let (got, _) = hello(Answer::Cut(10), &limits());
    if !matches!(got, Err(ReachError::Exchange(_))) {
        fail(
            "The server sent 10 bytes and closed the TCP connection without close_notify: the answer may have been cut, so its end is not the answer's end.",
            "Err(Exchange(…))",
            &show(&got),
        );
    }
}

#[test]
fn exchange_an_endless_answer_is_refused_at_the_limit() {
    // A long deadline: reading on and on until it passes would show as TimedOut.
    let limits = deadline_of(2000);
    let (got, took) = hello(Answer::Endless, &limits);
    if !matches!(got, Err(ReachError::Exchange(_))) {
        fail(
            "The server answers without end: stop reading once the answer is past limits.max_answer (1000 bytes), instead of keeping all of it until the deadline (2 s).",
            "Err(Exchange(…)) at once",
            &format!("{} after {} ms", show(&got), took.as_millis()),
        );
    }
}

// ---- Deadline ----

/// The deadline passed: `Err(TimedOut)`, at `deadline` and a little (the deadline's timer
/// fires late under load, never early), whichever phase it interrupted. The server never
/// ended its answer in time, so an `Ok` before the deadline is an answer taken for whole
/// without its close_notify.
#[track_caller]
fn expect_timed_out(
    got: &Result<Reached, ReachError>,
    took: Duration,
    deadline: Duration,
    what: &str,
) {
    let on_time = deadline.mul_f64(0.9)..deadline + Duration::from_secs(1);
    if matches!(got, Err(ReachError::TimedOut)) && on_time.contains(&took) {
        return;
    }
    let why = match got {
        Ok(_) if took < deadline => "Your reach returned before the server's close_notify: only close_notify ends the answer; until it comes, keep reading, until limits.deadline passes (ReachError::TimedOut).".to_string(),
        _ => format!("limits.deadline ({} ms) is one deadline for the whole of reach, counted from the call; when it passes, whichever phase it interrupts, reach returns ReachError::TimedOut (not the error of that phase, such as Tls or Exchange), then and not later.", deadline.as_millis()),
    };
    fail(
        &format!("{what} {why}"),
        &format!(
            "Err(TimedOut) after {} ms and a little",
            deadline.as_millis()
        ),
        &format!("{} after {} ms", show(got), took.as_millis()),
    );
}

/// Limits for the deadline's checks: a short deadline, everything else as usual.
fn deadline_of(ms: u64) -> Limits {
    Limits {
        deadline: Duration::from_millis(ms),
        ..limits()
    }
}

#[test]
fn deadline_a_server_that_accepts_and_never_speaks_is_given_up_on() {
    let limits = deadline_of(500);
    let (got, took) = hello(Answer::Silent, &limits);
    expect_timed_out(
        &got,
        took,
        limits.deadline,
        "The server accepts the connection and never sends a byte: the TLS handshake never ends.",
    );
}

#[test]
fn deadline_a_server_that_never_answers_is_given_up_on() {
    let limits = deadline_of(500);
    let (got, took) = hello(Answer::Nothing, &limits);
    expect_timed_out(
        &got,
        took,
        limits.deadline,
        "The server completes the handshake, takes the request and never answers.",
    );
}

#[test]
fn deadline_a_trickling_server_is_given_up_on() {
    let limits = deadline_of(500);
    let (got, took) = hello(Answer::Trickle(Duration::from_millis(50)), &limits);
    expect_timed_out(
        &got,
        took,
        limits.deadline,
        "The server answers one byte every 50 ms and never ends: each read is quick, the answer never complete.",
    );
}

#[test]
fn deadline_is_one_for_all_the_phases() {
    // Resolving, the handshake and the answer take 300 ms each: each phase is within the
    // deadline (700 ms), the whole (900 ms) is not.
    let pause = Duration::from_millis(300);
    let limits = deadline_of(700);
    let (got, took) = hello_after(pause, Answer::Dawdles(pause), &limits);
    expect_timed_out(
        &got,
        took,
        limits.deadline,
        "The resolver takes 300 ms, the server 300 ms before its handshake and 300 ms before its answer: 900 ms in all, each phase within the deadline but not the whole.",
    );
}

#[test]
fn deadline_slow_phases_that_fit_in_it_are_fine() {
    // The same slow phases, 900 ms in all, within a deadline of 2 s; and limits.attempt,
    // which is for one connection attempt only (connecting here is at once), shorter than
    // each of them.
    let pause = Duration::from_millis(300);
    let limits = Limits {
        attempt: Duration::from_millis(200),
        ..deadline_of(2000)
    };
    let (got, took) = hello_after(pause, Answer::Dawdles(pause), &limits);
    if !matches!(&got, Ok(r) if r.answer == b"HELLO\n") {
        fail(
            "The resolver takes 300 ms, the server 300 ms before its handshake and 300 ms before its answer: 900 ms in all, within limits.deadline (2 s). The deadline is for the whole; no phase has a limit of its own (limits.attempt, 200 ms here, is for a connection attempt only).",
            "Ok(… with answer b\"HELLO\\n\") after 900 ms and a little",
            &format!("{} after {} ms", show(&got), took.as_millis()),
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn deadline_covers_the_connecting_too() {
    let rt = runtime();
    let ca = ca();
    let hole = lesson_26_reach::black_hole().unwrap();
    let limits = deadline_of(400);
    let (got, took, left) =
        reach_then_count_connecting(&rt, &ca, vec![hole.addr], &limits, hole.addr);
    expect_timed_out(
        &got,
        took,
        limits.deadline,
        "One address, a black hole; limits.attempt is 5 s: the deadline comes first.",
    );
    expect_none_connecting(
        left,
        hole.addr,
        "Your reach gave up at the deadline, but its attempt is still connecting: whichever way reach returns, no attempt of yours is left in progress (its socket closed).",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn deadline_counts_from_the_resolving() {
    let rt = runtime();
    let ca = ca();
    let hole = lesson_26_reach::black_hole().unwrap();
    // The resolver takes 500 ms, longer than the whole deadline (400 ms).
    let resolver = Slow(Fixed::new(vec![hole.addr]), Duration::from_millis(500));
    let limits = deadline_of(400);
    let (got, took) = reach_as(&rt, &resolver, "localhost", &ca.client, b"hello\n", &limits);
    if !matches!(got, Err(ReachError::TimedOut)) || took >= Duration::from_millis(750) {
        fail(
            "The resolver took 500 ms, longer than limits.deadline (400 ms); then a black hole. The deadline counts from the start of reach, resolving included: TimedOut as soon as the resolver is back, not 400 ms later.",
            "Err(TimedOut) after 500 ms and a little",
            &format!("{} after {} ms", show(&got), took.as_millis()),
        );
    }
}

#[test]
fn reach_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your reach runs.
    testkit::prints_nothing(
        "reach",
        &[
            "exchange_the_request_goes_whole_and_the_answer_is_read_to_its_end",
            "connecting_every_failure_is_reported_with_its_address_in_order",
            "tls_a_certificate_for_another_name_is_refused",
        ],
    );
}
