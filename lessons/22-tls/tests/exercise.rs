//! The exercise's checks: your `connect_tls` runs here against TLS servers of the test's own
//! (rustls, on real loopback sockets), with certificates made for each check: for the name
//! asked, for another name, from another CA, self-signed, expired, offered by a server without
//! its key; without pins, and (the checks named `with_pins_…`) with pins: the server's own
//! certificate pinned, another one from the same CA pinned, the CA or an intermediate pinned,
//! a pinned certificate that fails another check. They check what crosses the connection (the
//! echo, the name in the ClientHello), whether the server's handshake completed, and what your
//! function returns, never what anything prints. (`cargo exercise lesson-22-tls` runs them on
//! src/exercise.rs.)

use std::io;
use std::sync::Arc;

use lesson_22_tls::{connect_tls, fingerprint, Pin};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use testkit::{fail, yours};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::sign::{CertifiedKey, SingleCertAndKey};
use tokio_rustls::rustls::{CertificateError, Error as TlsError, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A certificate authority made for one check.
struct Ca {
    cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(common_name: &str) -> Ca {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let cert = params.self_signed(&key).unwrap();
    Ca {
        cert: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

/// A server configuration whose certificate, for `names`, is signed by `ca`.
fn server_config(ca: &Ca, names: &[&str]) -> Arc<ServerConfig> {
    issued(ca, names).0
}

/// The same, and the server's certificate (to pin it).
fn issued(ca: &Ca, names: &[&str]) -> (Arc<ServerConfig>, CertificateDer<'static>) {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = params(names).signed_by(&key, &ca.issuer).unwrap();
    (with_cert(cert.der().clone(), &key), cert.der().clone())
}

/// A certificate's parameters: for `names`, valid from now on (rcgen's default).
fn params(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    CertificateParams::new(names).unwrap()
}

/// A server configuration that offers `cert` and signs the handshake with `key`.
fn with_cert(cert: CertificateDer<'static>, key: &KeyPair) -> Arc<ServerConfig> {
    with_chain(vec![cert], key)
}

/// A server configuration that offers `chain` (its own certificate first, then the
/// intermediates) and signs the handshake with `key`.
fn with_chain(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> Arc<ServerConfig> {
    let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    // No session tickets: the server's handshake ends when the client's Finished comes, and
    // sends nothing more (a check looks at whether it completed).
    config.send_tls13_tickets = 0;
    Arc::new(config)
}

/// A server whose certificate, for "echo.test", is signed by `ca` but for another key than
/// the one it signs the handshake with: it has a copy of the certificate, not its key. (And
/// that certificate, to pin it.)
fn server_without_the_key(ca: &Ca) -> (Arc<ServerConfig>, CertificateDer<'static>) {
    let (real, copier) = (
        KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
        KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
    );
    let cert = params(&["echo.test"]).signed_by(&real, &ca.issuer).unwrap();
    let der = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(copier.serialize_der()));
    let signer = tokio_rustls::rustls::crypto::ring::sign::any_supported_type(&der).unwrap();
    let certified = CertifiedKey::new(vec![cert.der().clone()], signer);
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
    config.send_tls13_tickets = 0;
    (Arc::new(config), cert.der().clone())
}

/// What the test's server saw: whether its handshake completed (its error if not), the name
/// in the ClientHello (SNI), and what it received.
#[derive(Debug)]
struct Served {
    handshake: io::Result<()>,
    sni: Option<String>,
    received: Vec<u8>,
}

/// One TLS connection served: the handshake, the `greeting` (a server that speaks first),
/// every byte until the client's close_notify, the same bytes back, then the server's
/// close_notify.
async fn serve_one(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    greeting: &[u8],
) -> io::Result<Served> {
    let (tcp, _) = listener.accept().await?;
    let mut tls = match TlsAcceptor::from(config).accept(tcp).await {
        Ok(tls) => tls,
        Err(e) => {
            return Ok(Served {
                handshake: Err(e),
                sni: None,
                received: Vec::new(),
            })
        }
    };
    let sni = tls.get_ref().1.server_name().map(String::from);
    tls.write_all(greeting).await?;
    tls.flush().await?;
    let mut received = Vec::new();
    tls.read_to_end(&mut received).await?;
    tls.write_all(&received).await?;
    tls.shutdown().await?;
    Ok(Served {
        handshake: Ok(()),
        sni,
        received,
    })
}

/// The client: your `connect_tls`, then, if it gave a stream, one line out, close_notify,
/// and everything read back until the server's close_notify.
async fn echo_through(
    tcp: TcpStream,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[Pin],
) -> io::Result<Vec<u8>> {
    let mut tls = connect_tls(tcp, ca, name, pins).await?;
    tls.write_all(b"hello\n").await?;
    tls.shutdown().await?;
    let mut echo = Vec::new();
    tls.read_to_end(&mut echo).await?;
    Ok(echo)
}

/// Run your client against a server with `config`, trusting `trusted`, asking for `name`,
/// without pins: what the client read back (or its error), and what the server saw (or its
/// error).
fn exchange(
    config: Arc<ServerConfig>,
    trusted: &Ca,
    name: &str,
) -> (io::Result<Vec<u8>>, io::Result<Served>) {
    exchange_with(config, trusted.cert.clone(), name, &[], b"")
}

/// `exchange`, with `pins`.
fn pinned(
    config: Arc<ServerConfig>,
    trusted: &Ca,
    name: &str,
    pins: &[Pin],
) -> (io::Result<Vec<u8>>, io::Result<Served>) {
    exchange_with(config, trusted.cert.clone(), name, pins, b"")
}

/// `exchange`, trusting the certificate `ca` (whatever its bytes), with `pins` and a server
/// that sends `greeting` first.
fn exchange_with(
    config: Arc<ServerConfig>,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[Pin],
    greeting: &[u8],
) -> (io::Result<Vec<u8>>, io::Result<Served>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let limit = testkit::timeout();
    yours(|| {
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let tcp = TcpStream::connect(addr).await.unwrap();
            let both = async {
                tokio::join!(
                    echo_through(tcp, ca, name, pins),
                    serve_one(listener, config, greeting)
                )
            };
            match tokio::time::timeout(limit, both).await {
                Ok(both) => both,
                Err(_) => fail(
                    "The handshake and the echo did not finish in time.",
                    &format!("done within {limit:?}"),
                    "still waiting",
                ),
            }
        })
    })
}

fn shown(result: &io::Result<Vec<u8>>) -> String {
    match result {
        Ok(bytes) => format!("Ok: the echo b\"{}\"", bytes.escape_ascii()),
        Err(e) => format!("Err({e})"),
    }
}

/// A refused handshake: an `Err` of kind InvalidData with rustls's reason inside (what
/// tokio-rustls's `connect` returns), so the caller can say why.
#[track_caller]
fn refused(why: &str, expected: &str, client: &io::Result<Vec<u8>>) {
    let Err(e) = client else {
        fail(why, &format!("Err({expected})"), &shown(client));
    };
    let reason = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tokio_rustls::rustls::Error>());
    if e.kind() != io::ErrorKind::InvalidData || reason.is_none() {
        fail(
            &format!(
                "{why}\nRefused, yes; but a refused handshake is an InvalidData error with \
                 rustls's reason inside (a rustls::Error), as the connector returns it: the \
                 caller tells by it a certificate for another name from an unknown CA, or \
                 from a certificate that is not pinned."
            ),
            &format!("Err(InvalidData: rustls::Error: {expected})"),
            &format!(
                "Err({:?}: {}{e})",
                e.kind(),
                if reason.is_some() {
                    "rustls::Error: "
                } else {
                    "not a rustls::Error: "
                }
            ),
        );
    }
}

/// A refused handshake (as `refused`) whose rustls reason is the one `expected` describes
/// (`is_it` tells); and the server's handshake did not complete.
#[track_caller]
fn refused_because(
    why: &str,
    expected: &str,
    client: &io::Result<Vec<u8>>,
    server: &io::Result<Served>,
    is_it: impl Fn(&TlsError) -> bool,
) {
    refused(why, expected, client);
    let reason = client
        .as_ref()
        .err()
        .and_then(|e| e.get_ref())
        .and_then(|inner| inner.downcast_ref::<TlsError>())
        .expect("refused() saw a rustls::Error");
    if !is_it(reason) {
        let pin = if not_pinned(reason) {
            " Your function said the certificate is not pinned, and it is: `pins` holds the \
             pin of the server's own certificate (the end entity), and the refusal must be the \
             one it gets without pins."
        } else {
            ""
        };
        fail(
            &format!("{why}\nRefused, yes, but not for that reason.{pin}"),
            &format!("Err(InvalidData: rustls::Error: {expected})"),
            &format!("Err(InvalidData: rustls::Error: {reason} ({reason:?}))"),
        );
    }
    // The test's server records a failed handshake as `handshake: Err`; anything else means
    // its handshake completed (and what followed may have failed).
    if !matches!(
        server,
        Ok(Served {
            handshake: Err(_),
            ..
        })
    ) {
        fail(
            &format!(
                "{why}\nYour function returned the right error, but only after the handshake \
                 had completed: the server saw a connection made (the client's Finished came). \
                 A refusal happens during the handshake, before the client finishes it."
            ),
            "the server's handshake fails (an alert from the client, or its end of stream)",
            "the server's handshake completed",
        );
    }
}

/// rustls's reason for a pin that does not match, as the contract names it.
fn not_pinned(e: &TlsError) -> bool {
    matches!(
        e,
        TlsError::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
    )
}

const NOT_PINNED: &str = "InvalidCertificate(CertificateError::ApplicationVerificationFailure)";

/// A pin that is no certificate's.
fn stray_pin() -> Pin {
    Pin([0x5a; 32])
}

#[track_caller]
fn echoed(name: &str, client: io::Result<Vec<u8>>, server: io::Result<Served>) -> Served {
    if !matches!(&client, Ok(echo) if echo == b"hello\n") {
        fail(
            &format!(
                "The server's certificate is from the CA you were given and for {name:?}, the \
                 name you were asked for, and `pins` is empty (no pinning): the handshake must \
                 succeed and the line come back."
            ),
            "Ok: the echo b\"hello\\n\"",
            &shown(&client),
        );
    }
    server.expect("the test's server")
}

#[test]
fn a_certificate_from_the_ca_for_the_name_asked_is_accepted() {
    for name in ["echo.test", "127.0.0.1"] {
        let ca = ca("the check's CA");
        let (client, server) = exchange(server_config(&ca, &[name]), &ca, name);
        let served = echoed(name, client, server);
        assert_eq!(served.received, b"hello\n");
    }
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = ca("the check's CA");
    let (client, _) = exchange(server_config(&ca, &["other.test"]), &ca, "echo.test");
    refused(
        "The certificate is from the right CA but for \"other.test\", and you were asked \
         for \"echo.test\": the handshake must be refused.",
        "invalid peer certificate: certificate not valid for name \"echo.test\" …",
        &client,
    );
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let (trusted, stranger) = (ca("the CA you trust"), ca("a CA you do not trust"));
    let config = server_config(&stranger, &["echo.test"]);
    let (client, _) = exchange(config, &trusted, "echo.test");
    refused(
        "The certificate is for \"echo.test\", but signed by a CA you were not given: \
         the handshake must be refused (trust `ca` and nothing else).",
        "invalid peer certificate: UnknownIssuer",
        &client,
    );
}

#[test]
fn a_self_signed_certificate_is_refused() {
    let ca = ca("the check's CA");
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = params(&["echo.test"]).self_signed(&key).unwrap();
    let (client, _) = exchange(with_cert(cert.der().clone(), &key), &ca, "echo.test");
    refused(
        "The certificate is for \"echo.test\", but signed by itself: anyone can make one for \
         any name. The handshake must be refused (trust `ca` and nothing else).",
        "invalid peer certificate: UnknownIssuer",
        &client,
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = ca("the check's CA");
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut expired = params(&["echo.test"]);
    expired.not_before = rcgen::date_time_ymd(2000, 1, 1);
    expired.not_after = rcgen::date_time_ymd(2001, 1, 1);
    let cert = expired.signed_by(&key, &ca.issuer).unwrap();
    let (client, _) = exchange(with_cert(cert.der().clone(), &key), &ca, "echo.test");
    refused(
        "The certificate is from `ca` and for \"echo.test\", but it expired on 2001-01-01: \
         the handshake must be refused (a certificate is valid only within its dates).",
        "invalid peer certificate: Expired",
        &client,
    );
}

#[test]
fn a_server_without_the_certificates_key_is_refused() {
    let ca = ca("the check's CA");
    let (client, _) = exchange(server_without_the_key(&ca).0, &ca, "echo.test");
    refused(
        "The server sent a certificate from `ca` for \"echo.test\", but signed the handshake \
         (CertificateVerify) with another key: it has a copy of the certificate, which is \
         public, not its private key. The handshake must be refused.",
        "peer sent a signature that does not verify (BadSignature)",
        &client,
    );
}

#[test]
fn a_ca_that_is_not_a_certificate_is_an_error() {
    let ca = ca("the check's CA");
    let garbage = CertificateDer::from(b"not a certificate".to_vec());
    let (client, _) = exchange_with(
        server_config(&ca, &["echo.test"]),
        garbage,
        "echo.test",
        &[],
        b"",
    );
    if client.is_ok() {
        fail(
            "`ca` is 17 bytes that are not a certificate: connect_tls must return an error \
             (not a panic, not a stream).",
            "Err(…)",
            &shown(&client),
        );
    }
}

#[test]
fn what_the_server_sends_first_comes_through() {
    let ca = ca("the check's CA");
    let config = server_config(&ca, &["echo.test"]);
    let (client, server) = exchange_with(config, ca.cert.clone(), "echo.test", &[], b"welcome\n");
    if !matches!(&client, Ok(echo) if echo == b"welcome\nhello\n") {
        fail(
            "The server speaks first: right after the handshake it sends b\"welcome\\n\", \
             then echoes. The stream you return must have lost nothing: read nothing from it \
             yourself.",
            "Ok: the echo b\"welcome\\nhello\\n\"",
            &shown(&client),
        );
    }
    assert_eq!(server.expect("the test's server").received, b"hello\n");
}

#[test]
fn the_client_hello_names_the_server_asked_for() {
    let ca = ca("the check's CA");
    let (client, server) = exchange(server_config(&ca, &["echo.test"]), &ca, "echo.test");
    let served = echoed("echo.test", client, server);
    if served.sni.as_deref() != Some("echo.test") {
        fail(
            "The ClientHello must name the server you want (SNI): a server with several names \
             picks its certificate by it.",
            "SNI: \"echo.test\"",
            &match served.sni {
                Some(sni) => format!("SNI: {sni:?}"),
                None => "no SNI in the ClientHello".into(),
            },
        );
    }
}

#[test]
fn a_name_that_is_not_a_name_is_an_invalid_input_error() {
    let ca = ca("the check's CA");
    let (client, _) = exchange(server_config(&ca, &["echo.test"]), &ca, "not a name!");
    if !matches!(&client, Err(e) if e.kind() == io::ErrorKind::InvalidInput) {
        fail(
            "\"not a name!\" is neither a DNS name nor an IP address: connect_tls must return \
             an io::ErrorKind::InvalidInput error.",
            "Err(InvalidInput: …)",
            &match &client {
                Err(e) => format!("Err({:?}: {e})", e.kind()),
                Ok(_) => shown(&client),
            },
        );
    }
}

#[test]
fn connect_tls_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your connect_tls runs.
    testkit::prints_nothing(
        "connect_tls",
        &[
            "a_certificate_from_the_ca_for_the_name_asked_is_accepted",
            "a_certificate_for_another_name_is_refused",
            "a_name_that_is_not_a_name_is_an_invalid_input_error",
            "with_pins_the_servers_pinned_certificate_is_accepted",
            "with_pins_another_certificate_from_the_same_ca_for_the_same_name_is_refused",
        ],
    );
}

#[test]
fn with_pins_the_servers_pinned_certificate_is_accepted() {
    let ca = ca("the check's CA");
    let (config, cert) = issued(&ca, &["echo.test"]);
    let pins = [stray_pin(), fingerprint(&cert)];
    let (client, server) = pinned(config, &ca, "echo.test", &pins);
    if !matches!(&client, Ok(echo) if echo == b"hello\n") {
        fail(
            "The server's own certificate (from `ca`, for \"echo.test\") is one of `pins` (the \
             second of two): the handshake must succeed and the line come back. The pins are \
             of the server's certificate, the end entity: not of `ca`.",
            "Ok: the echo b\"hello\\n\"",
            &shown(&client),
        );
    }
    assert_eq!(server.expect("the test's server").received, b"hello\n");
}

#[test]
fn with_pins_another_certificate_from_the_same_ca_for_the_same_name_is_refused() {
    // The server got a new certificate (a rotation): same CA, same name; the client is pinned
    // to the old one.
    let ca = ca("the check's CA");
    let (_, old) = issued(&ca, &["echo.test"]);
    let (config, _) = issued(&ca, &["echo.test"]);
    let (client, server) = pinned(config, &ca, "echo.test", &[fingerprint(&old)]);
    refused_because(
        "The server's certificate is from `ca` and for \"echo.test\", but it is not the one \
         pinned (`pins` holds another certificate's pin, from the same CA, for the same name): \
         the handshake must be refused, with the error the contract names.",
        NOT_PINNED,
        &client,
        &server,
        not_pinned,
    );
}

#[test]
fn with_pins_the_ca_or_an_intermediate_pinned_does_not_pin_the_server() {
    // A chain of three: the CA, an intermediate it signed, the server's certificate signed by
    // the intermediate. The server sends its certificate and the intermediate.
    let root = ca("the check's CA");
    let middle_key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut middle = CertificateParams::new(Vec::<String>::new()).unwrap();
    middle.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    middle
        .distinguished_name
        .push(DnType::CommonName, "the check's intermediate");
    let middle_cert = middle.signed_by(&middle_key, &root.issuer).unwrap();
    let middle_issuer = Issuer::new(middle, middle_key);
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = params(&["echo.test"])
        .signed_by(&key, &middle_issuer)
        .unwrap();
    let chain = vec![cert.der().clone(), middle_cert.der().clone()];
    // The chain itself is good: without pins, it is accepted.
    let (client, server) = exchange(with_chain(chain.clone(), &key), &root, "echo.test");
    echoed("echo.test", client, server);
    let pins = [fingerprint(&root.cert), fingerprint(middle_cert.der())];
    let (client, server) = pinned(with_chain(chain, &key), &root, "echo.test", &pins);
    refused_because(
        "`pins` holds the pins of `ca` and of the intermediate the server sent along, not of \
         the server's own certificate (the end entity, for \"echo.test\"): the handshake must \
         be refused. A pin is of the server's certificate only.",
        NOT_PINNED,
        &client,
        &server,
        not_pinned,
    );
}

#[test]
fn with_pins_a_pinned_certificate_that_expired_is_refused_as_expired() {
    let ca = ca("the check's CA");
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut expired = params(&["echo.test"]);
    expired.not_before = rcgen::date_time_ymd(2000, 1, 1);
    expired.not_after = rcgen::date_time_ymd(2001, 1, 1);
    let cert = expired.signed_by(&key, &ca.issuer).unwrap();
    let pins = [fingerprint(cert.der())];
    let config = with_cert(cert.der().clone(), &key);
    let (client, server) = pinned(config, &ca, "echo.test", &pins);
    refused_because(
        "The certificate is pinned, from `ca` and for \"echo.test\", but it expired on \
         2001-01-01: the handshake must be refused, as without pins (a pin adds a check, it \
         replaces none).",
        "invalid peer certificate: certificate expired: … (Expired, as without pins)",
        &client,
        &server,
        |e| {
            matches!(
                e,
                TlsError::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. }
                )
            )
        },
    );
}

#[test]
fn with_pins_a_pinned_certificate_for_another_name_is_refused_for_its_name() {
    let ca = ca("the check's CA");
    let (config, cert) = issued(&ca, &["other.test"]);
    let (client, server) = pinned(config, &ca, "echo.test", &[fingerprint(&cert)]);
    refused_because(
        "The certificate is pinned and from `ca`, but for \"other.test\", and you were asked \
         for \"echo.test\": the handshake must be refused, as without pins (a pin adds a \
         check, it replaces none).",
        "invalid peer certificate: certificate not valid for name \"echo.test\" … \
         (NotValidForName, as without pins)",
        &client,
        &server,
        |e| {
            matches!(
                e,
                TlsError::InvalidCertificate(
                    CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. }
                )
            )
        },
    );
}

#[test]
fn with_pins_a_pinned_self_signed_certificate_is_refused() {
    let ca = ca("the check's CA");
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = params(&["echo.test"]).self_signed(&key).unwrap();
    let pins = [fingerprint(cert.der())];
    let config = with_cert(cert.der().clone(), &key);
    let (client, server) = pinned(config, &ca, "echo.test", &pins);
    refused_because(
        "The certificate is pinned and for \"echo.test\", but signed by itself, not by `ca`: \
         the handshake must be refused, as without pins (trust `ca` and nothing else; a pin \
         adds a check, it replaces none).",
        "invalid peer certificate: UnknownIssuer (as without pins)",
        &client,
        &server,
        |e| {
            matches!(
                e,
                TlsError::InvalidCertificate(CertificateError::UnknownIssuer)
            )
        },
    );
}

#[test]
fn with_pins_a_server_without_the_pinned_certificates_key_is_refused() {
    let ca = ca("the check's CA");
    let (config, cert) = server_without_the_key(&ca);
    let (client, server) = pinned(config, &ca, "echo.test", &[fingerprint(&cert)]);
    refused_because(
        "The server sent the pinned certificate (from `ca`, for \"echo.test\"), but signed \
         the handshake (CertificateVerify) with another key: it has a copy of the \
         certificate, which is public, not its private key. The handshake must be refused: a \
         pin says which certificate, only the signature proves the key.",
        "peer sent a signature that does not verify (BadSignature, as without pins)",
        &client,
        &server,
        |e| {
            matches!(
                e,
                TlsError::InvalidCertificate(CertificateError::BadSignature)
            )
        },
    );
}
