//! The exercise's checks: your `socket_for` makes sockets here, from endpoint specs, and they
//! are put to work: bound, listened on, connected to, sent through; and bad specs must be
//! refused clearly. The checks look at what the sockets can do and what the function returns,
//! never at what anything prints. (`cargo exercise lesson-01-socket` runs them on
//! src/exercise.rs.)

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use lesson_01_socket::socket_for;
use socket2::{SockAddr, Socket, Type};
use testkit::{fail, yours, Conn};

/// Your `socket_for(spec)`, which must give a socket, and the address it names.
#[track_caller]
fn made(spec: &str) -> (Socket, SockAddr) {
    match yours(|| socket_for(spec)) {
        Ok((socket, addr)) => {
            not_bound_yet(&socket, spec);
            has_no_option_set(&socket, spec);
            #[cfg(target_os = "linux")]
            closed_on_exec(&socket, spec);
            (socket, addr)
        }
        Err(e) => fail(
            &format!("socket_for({spec:?}) returned an error instead of a socket."),
            "a socket",
            &format!("error: {e}"),
        ),
    }
}

/// The address a spec for IP:PORT must give back.
#[track_caller]
fn gives(spec: &str, got: &SockAddr, expected: &str) {
    let expected: SocketAddr = expected.parse().unwrap();
    if got.as_socket() != Some(expected) {
        fail(
            &format!("socket_for({spec:?}) gave back another address than the spec's."),
            &expected.to_string(),
            &match got.as_socket() {
                Some(got) => got.to_string(),
                None => format!("{got:?}"),
            },
        );
    }
}

/// A new socket is bound to nothing yet: its own address still has port 0.
#[track_caller]
fn not_bound_yet(socket: &Socket, spec: &str) {
    let own = socket.local_addr().ok().and_then(|a| a.as_socket());
    if let Some(own) = own.filter(|a| a.port() != 0) {
        fail(
            &format!("socket_for({spec:?}) bound the socket already."),
            "an unbound socket (port 0)",
            &format!("bound to {own}"),
        );
    }
}

/// A new socket has the kernel's defaults: every option it reports is what a socket of its
/// family and type that nobody touched reports (SO_REUSEADDR off: the lesson sets it itself,
/// and says so; IPV6_V6ONLY as the system has it; TCP_NODELAY off …).
#[track_caller]
fn has_no_option_set(socket: &Socket, spec: &str) {
    let (Ok(own), Ok(ty)) = (socket.local_addr(), socket.r#type()) else {
        return;
    };
    let Ok(fresh) = Socket::new(own.domain(), ty, None) else {
        return;
    };
    let (yours, untouched) = (options(socket), options(&fresh));
    if let Some(((name, got), (_, expected))) = yours.iter().zip(&untouched).find(|(a, b)| a != b) {
        fail(
            &format!(
                "socket_for({spec:?}) set {name}: the socket is not new any more (the lesson \
                 sets the options it wants itself, after your function)."
            ),
            &format!("{name} {expected}, as on any new socket of its kind"),
            &format!("{name} {got}"),
        );
    }
}

/// The options a socket reports, by name (`-` where its kind has no such option).
fn options(socket: &Socket) -> Vec<(&'static str, String)> {
    fn show<T: std::fmt::Debug>(value: std::io::Result<T>) -> String {
        value.map_or("-".to_string(), |v| format!("{v:?}"))
    }
    vec![
        ("SO_REUSEADDR", show(socket.reuse_address())),
        ("SO_KEEPALIVE", show(socket.keepalive())),
        ("SO_LINGER", show(socket.linger())),
        ("SO_BROADCAST", show(socket.broadcast())),
        ("SO_RCVBUF", show(socket.recv_buffer_size())),
        ("SO_SNDBUF", show(socket.send_buffer_size())),
        ("TCP_NODELAY", show(socket.tcp_nodelay())),
        ("IP_TTL", show(socket.ttl_v4())),
        ("IPV6_V6ONLY", show(socket.only_v6())),
        ("IPV6_UNICAST_HOPS", show(socket.unicast_hops_v6())),
    ]
}

/// A descriptor the process has is inherited by every program it starts, unless it is marked
/// close-on-exec (O_CLOEXEC), as every descriptor std and socket2 make is. Linux shows the
/// marks in /proc/self/fdinfo.
#[cfg(target_os = "linux")]
#[track_caller]
fn closed_on_exec(socket: &Socket, spec: &str) {
    use std::os::fd::AsRawFd;
    const O_CLOEXEC: u32 = 0o2_000_000;
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", socket.as_raw_fd()));
    let Some(flags) = info.ok().and_then(|info| {
        let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
        u32::from_str_radix(flags.trim(), 8).ok()
    }) else {
        return; // no /proc here (a sandbox): nothing to check
    };
    if flags & O_CLOEXEC == 0 {
        fail(
            &format!(
                "The socket socket_for({spec:?}) made is not closed on exec: every program \
                 this process starts would inherit it (and keep its connection open)."
            ),
            "a descriptor marked close-on-exec (SOCK_CLOEXEC, as Socket::new makes it)",
            &format!("descriptor flags 0o{flags:o}, without O_CLOEXEC (0o2000000)"),
        );
    }
}

/// The family of a socket that is bound to nothing yet: getsockname() answers with the
/// family's "any" address.
#[track_caller]
fn is_of_family(socket: &Socket, spec: &str, ipv6: bool) {
    let own = socket.local_addr().ok().and_then(|a| a.as_socket());
    if own.map(|a| a.is_ipv6()) != Some(ipv6) {
        let family = |v6| if v6 { "AF_INET6" } else { "AF_INET" };
        fail(
            &format!("The socket for {spec:?} is of the wrong family."),
            &format!("an {} socket", family(ipv6)),
            &match own {
                Some(a) => format!("an {} socket (getsockname: {a})", family(a.is_ipv6())),
                None => "a socket of neither IP family".to_string(),
            },
        );
    }
}

/// The socket's type must be `expected`.
#[track_caller]
fn is_of_type(socket: &Socket, spec: &str, expected: Type) {
    let got = socket.r#type().expect("getsockopt(SO_TYPE)");
    if got != expected {
        fail(
            &format!("The socket for {spec:?} is of the wrong type."),
            &format!("{expected:?}"),
            &format!("{got:?}"),
        );
    }
}

/// The socket must bind `addr` (a loopback address of port 0); returns the address it got.
#[track_caller]
fn binds(socket: &Socket, made_for: &str, addr: &str) -> SocketAddr {
    let addr: SocketAddr = addr.parse().unwrap();
    if let Err(e) = socket.bind(&SockAddr::from(addr)) {
        fail(
            &format!(
                "The socket made for {made_for} cannot bind {addr}: a socket can only take \
                 addresses of its own family."
            ),
            &format!("bind({addr}) -> ok"),
            &format!("bind({addr}) -> error: {e}"),
        );
    }
    socket.local_addr().unwrap().as_socket().unwrap()
}

/// Is IPv6 loopback available here? (Some containers have none: those checks are skipped.)
fn ipv6_here() -> bool {
    let here = std::net::TcpListener::bind("[::1]:0").is_ok();
    if !here {
        println!("note: this machine has no IPv6 loopback; skipping the IPv6 check");
    }
    here
}

/// `call` on `socket`, which has nothing to do yet, must wait (in blocking mode, here until
/// SO_RCVTIMEO gives up), not return at once.
#[track_caller]
fn waits(socket: &Socket, name: &str, call: impl FnOnce() -> std::io::Result<()>) {
    let wait = Duration::from_millis(100);
    socket.set_read_timeout(Some(wait)).expect("SO_RCVTIMEO");
    let start = Instant::now();
    let early = call();
    if start.elapsed() < wait / 2 {
        fail(
            &format!(
                "Your socket's {name}, with nothing to take yet, returned at once instead of \
                 waiting: the socket is not in blocking mode."
            ),
            &format!("{name} waits (100 ms here, then gives up)"),
            &format!("{name} -> {early:?} after {:?}", start.elapsed()),
        );
    }
}

/// A TCP socket: it listens, a client connects, and bytes go through the connection.
#[track_caller]
fn carries_a_connection(socket: Socket) {
    if let Err(e) = socket.listen(16) {
        fail(
            "A socket for tcp:// cannot listen(): it is not a TCP socket.",
            "listen(16) -> ok",
            &format!("listen(16) -> error: {e}"),
        );
    }
    // No client yet: an accept() in blocking mode waits. (Only Linux lets SO_RCVTIMEO
    // limit accept(), socket(7); elsewhere it would wait for ever.)
    #[cfg(target_os = "linux")]
    waits(&socket, "accept()", || socket.accept().map(drop));
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut client = Conn::open(addr);
    let (conn, _) = socket
        .accept()
        .expect("accept() a connection that is waiting");
    conn.send(b"hello\n").expect("send()");
    client.expect(b"hello\n");
}

/// A UDP socket: a datagram sent to its address arrives whole.
#[track_caller]
fn receives_a_datagram(socket: Socket, addr: SocketAddr) {
    // Nothing has been sent yet: a recv() in blocking mode waits.
    waits(&socket, "recv()", || {
        (&socket).read(&mut [0u8; 64]).map(drop)
    });
    let sender = UdpSocket::bind(SocketAddr::new(addr.ip(), 0)).expect("a UDP sender");
    sender.send_to(b"ping", addr).expect("send_to()");
    socket
        .set_read_timeout(Some(testkit::timeout()))
        .expect("SO_RCVTIMEO");
    let mut buf = [0u8; 64];
    match (&socket).read(&mut buf) {
        Ok(n) if &buf[..n] == b"ping" => {}
        Ok(n) => fail(
            "A socket for udp:// received something else than the datagram sent to it.",
            "b\"ping\"",
            &common::show_bytes(&buf[..n]),
        ),
        Err(e) => fail(
            "A socket for udp:// did not receive the datagram sent to it.",
            "b\"ping\"",
            &format!("recv() -> error: {e}"),
        ),
    }
}

#[test]
fn tcp_with_an_ipv4_address_is_a_tcp_socket_of_ipv4() {
    let (socket, addr) = made("tcp://127.0.0.1:0");
    gives("tcp://127.0.0.1:0", &addr, "127.0.0.1:0");
    is_of_type(&socket, "tcp://127.0.0.1:0", Type::STREAM);
    binds(&socket, "tcp://127.0.0.1:0", "127.0.0.1:0");
    carries_a_connection(socket);
}

#[test]
fn tcp_with_an_ipv6_address_is_a_tcp_socket_of_ipv6() {
    if !ipv6_here() {
        return;
    }
    let (socket, addr) = made("tcp://[::1]:0");
    gives("tcp://[::1]:0", &addr, "[::1]:0");
    is_of_type(&socket, "tcp://[::1]:0", Type::STREAM);
    binds(&socket, "tcp://[::1]:0", "[::1]:0");
    carries_a_connection(socket);
}

#[test]
fn udp_with_an_ipv4_address_is_a_udp_socket_of_ipv4() {
    let (socket, _) = made("udp://127.0.0.1:0");
    is_of_type(&socket, "udp://127.0.0.1:0", Type::DGRAM);
    let addr = binds(&socket, "udp://127.0.0.1:0", "127.0.0.1:0");
    receives_a_datagram(socket, addr);
}

#[test]
fn udp_with_an_ipv6_address_is_a_udp_socket_of_ipv6() {
    if !ipv6_here() {
        return;
    }
    let (socket, addr) = made("udp://[::1]:53");
    gives("udp://[::1]:53", &addr, "[::1]:53");
    is_of_type(&socket, "udp://[::1]:53", Type::DGRAM);
    let addr = binds(&socket, "udp://[::1]:53", "[::1]:0");
    receives_a_datagram(socket, addr);
}

#[test]
fn only_the_family_of_the_address_counts_and_nothing_is_bound_yet() {
    // Any IPv4 address makes an IPv4 socket; the socket is not bound to it (port 0 still).
    for (spec, addr, loopback) in [
        ("tcp://0.0.0.0:7001", "0.0.0.0:7001", "127.0.0.1:0"),
        ("udp://192.0.2.1:9", "192.0.2.1:9", "127.0.0.1:0"),
    ] {
        let (socket, got) = made(spec); // checks it is not bound
        gives(spec, &got, addr);
        binds(&socket, spec, loopback);
    }
}

#[test]
fn any_ip_and_any_port_from_0_to_65535_will_do() {
    for (spec, addr, ipv6) in [
        (
            "udp://255.255.255.255:65535",
            "255.255.255.255:65535",
            false,
        ),
        ("tcp://0.0.0.0:00080", "0.0.0.0:80", false),
        // Written as IPv6, so IPv6: an IPv4-mapped address is one an AF_INET6 socket uses to
        // reach an IPv4 peer. (Creating an AF_INET6 socket works without IPv6 configured.)
        (
            "tcp://[::ffff:127.0.0.1]:65535",
            "[::ffff:127.0.0.1]:65535",
            true,
        ),
        ("udp://[::]:0", "[::]:0", true),
    ] {
        let (socket, got) = made(spec);
        gives(spec, &got, addr);
        is_of_family(&socket, spec, ipv6);
    }
}

#[test]
fn the_scheme_may_be_written_in_any_case() {
    let (socket, _) = made("TCP://127.0.0.1:0");
    is_of_type(&socket, "TCP://127.0.0.1:0", Type::STREAM);
    let (socket, _) = made("Udp://127.0.0.1:0");
    is_of_type(&socket, "Udp://127.0.0.1:0", Type::DGRAM);
    #[cfg(unix)]
    {
        let (socket, addr) = made("UNIX:/tmp/lesson-01.sock");
        is_of_type(&socket, "UNIX:/tmp/lesson-01.sock", Type::STREAM);
        has_path("UNIX:/tmp/lesson-01.sock", &addr, "/tmp/lesson-01.sock");
    }
}

/// The address a `unix:` spec must give back: its path, exactly as written.
#[cfg(unix)]
#[track_caller]
fn has_path(spec: &str, got: &SockAddr, path: &str) {
    // Bytes, not components: as paths, //tmp/x and /tmp/x/ compare equal to /tmp/x.
    if got.as_pathname().map(|p| p.as_os_str()) != Some(std::ffi::OsStr::new(path)) {
        fail(
            &format!(
                "socket_for({spec:?}) gave back another address than the spec's path (the \
                 path is everything after unix:, as written)."
            ),
            path,
            &format!("{:?}", got.as_pathname()),
        );
    }
}

#[cfg(unix)]
#[test]
fn unix_with_a_path_is_a_local_stream_socket() {
    let dir = std::env::temp_dir().join(format!("lesson-01-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Capitals and a colon: the path is taken as written, all of it.
    let path = dir.join("Lesson:01.Sock");
    let _ = std::fs::remove_file(&path);
    let spec = format!("unix:{}", path.display());
    let (socket, addr) = made(&spec);
    is_of_type(&socket, &spec, Type::STREAM);
    has_path(&spec, &addr, &path.display().to_string());
    // An AF_UNIX socket binds a path (an IP socket cannot), listens, and carries bytes.
    if let Err(e) = socket.bind(&addr).and_then(|()| socket.listen(4)) {
        fail(
            &format!("The socket for {spec:?} cannot bind and listen on its path: it is not an AF_UNIX stream socket."),
            "bind() and listen() -> ok",
            &format!("error: {e}"),
        );
    }
    let mut client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let (conn, _) = socket.accept().expect("accept() a local connection");
    conn.send(b"hello\n").expect("send()");
    let mut got = [0u8; 6];
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hello\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn the_unix_path_is_taken_as_written() {
    for (spec, path) in [
        ("unix:lesson-01.sock", "lesson-01.sock"),
        ("unix://tmp/lesson-01.sock", "//tmp/lesson-01.sock"),
        ("unix:/tmp/lesson 01.sock ", "/tmp/lesson 01.sock "),
    ] {
        let (socket, addr) = made(spec);
        is_of_type(&socket, spec, Type::STREAM);
        has_path(spec, &addr, path);
    }
}

#[cfg(unix)]
#[test]
fn unix_leaves_the_file_at_its_path_alone() {
    let dir = std::env::temp_dir().join(format!("lesson-01-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notes.txt");
    std::fs::write(&path, b"my notes\n").unwrap();
    let spec = format!("unix:{}", path.display());
    let (_socket, _) = made(&spec);
    let left = std::fs::read(&path);
    let _ = std::fs::remove_dir_all(&dir);
    if !matches!(&left, Ok(bytes) if bytes == b"my notes\n") {
        fail(
            &format!(
                "socket_for({spec:?}) changed the file at the path: it only makes a socket \
                 (whether to remove an old file before bind() is the caller's choice)."
            ),
            "the file still there, b\"my notes\\n\"",
            &match left {
                Ok(bytes) => common::show_bytes(&bytes),
                Err(e) => format!("error: {e}"),
            },
        );
    }
}

/// `socket_for(spec)` must refuse the spec: `InvalidInput`, and the spec in the message.
#[track_caller]
fn refused(spec: &str, why: &str) {
    match yours(|| socket_for(spec)) {
        Ok((socket, addr)) => fail(
            &format!("socket_for({spec:?}) made a socket: {why}."),
            "an error of kind InvalidInput",
            &format!(
                "a socket of type {:?} for {}",
                socket.r#type().ok(),
                match addr.as_socket() {
                    Some(ip) => ip.to_string(),
                    None => format!("{addr:?}"),
                }
            ),
        ),
        Err(e) if e.kind() != std::io::ErrorKind::InvalidInput => fail(
            &format!("socket_for({spec:?}) failed with another kind of error: {why}."),
            "an error of kind InvalidInput",
            &format!("{:?}: {e}", e.kind()),
        ),
        Err(e) if !e.to_string().contains(spec) => fail(
            &format!("socket_for({spec:?}): the error does not say which spec is wrong."),
            &format!("a message that quotes {spec:?}"),
            &e.to_string(),
        ),
        Err(_) => {}
    }
}

#[test]
fn a_spec_that_names_no_endpoint_is_invalid_input() {
    refused("127.0.0.1:80", "there is no scheme");
    refused(
        "http://127.0.0.1:80",
        "http is no transport: the scheme is tcp://, udp:// or unix:",
    );
    refused(
        "sctp://127.0.0.1:80",
        "the scheme is tcp://, udp:// or unix:",
    );
    refused("tcp:127.0.0.1:80", "tcp:// has its two slashes");
    refused("tcp://127.0.0.1", "there is no port");
    refused(
        "tcp://::1:80",
        "an IPv6 address is written in brackets before its port",
    );
    refused(
        "tcp://localhost:80",
        "a name is not an address (it may have both families)",
    );
    refused("udp://example.com:53", "a name is not an address");
    refused("tcp://300.0.0.1:80", "300 is no byte");
    refused(
        "tcp://127.0.0.1:+80",
        "a port is digits only: +80 is no port",
    );
    refused("tcp://127.0.0.1:65536", "the ports end at 65535 (16 bits)");
    refused(
        "tcp://127.0.0.1:80/",
        "nothing follows the port: this is no URL with a path",
    );
    refused(
        "tcp://127.0.0.1:80 ",
        "a port is digits alone, and a space is no digit",
    );
    refused(" tcp://127.0.0.1:80", "the spec begins with its scheme");
    refused(
        "tcp://[127.0.0.1]:80",
        "brackets are for IPv6 addresses only",
    );
    refused("unix:", "unix: needs a path");
    refused("", "an empty spec names nothing");
}

#[cfg(unix)]
#[test]
fn unix_with_a_path_too_long_for_an_address_is_refused() {
    refused(
        &format!("unix:/tmp/{}.sock", "x".repeat(120)),
        "the path is longer than an AF_UNIX address holds (108 bytes on Linux, 104 on macOS)",
    );
}

#[test]
fn a_spec_that_is_not_ascii_is_refused_never_a_panic() {
    // Characters of two and three bytes where a scheme, its slashes or a port would be: a
    // string sliced at a byte index inside one of them panics.
    for spec in [
        "tcp:/é",
        "udp:/é:1",
        "unixé",
        "tcpé://127.0.0.1:80",
        "€",
        "tcp://127.0.0.1:8€",
    ] {
        refused(spec, "that is no tcp://, udp:// or unix: spec");
    }
}

/// An environment variable that makes this test binary the child of
/// `a_kernel_error_is_returned_as_it_is_and_no_descriptor_is_lost`.
#[cfg(unix)]
const OUT_OF_DESCRIPTORS: &str = "LESSON_01_CHECK_OUT_OF_DESCRIPTORS";

#[cfg(unix)]
#[test]
fn a_kernel_error_is_returned_as_it_is_and_no_descriptor_is_lost() {
    use std::process::{Command, Stdio};
    if std::env::var_os(OUT_OF_DESCRIPTORS).is_some() {
        return out_of_descriptors();
    }
    // This check again, in a child process whose descriptor limit is 64 (`ulimit -n`, so
    // that the other checks of this process keep theirs): it opens files until the kernel
    // says EMFILE, then asks your function for a socket, which socket() cannot make.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_kernel_error_is_returned_as_it_is_and_no_descriptor_is_lost",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env(OUT_OF_DESCRIPTORS, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run this check again in a child process");
    let start = Instant::now();
    while child.try_wait().expect("wait for the child").is_none() {
        if start.elapsed() > testkit::timeout() {
            let _ = child.kill();
            fail(
                "socket_for(\"tcp://127.0.0.1:0\"), out of descriptors, did not return.",
                "an error, at once",
                &format!("still running after {:?}", start.elapsed()),
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(verdict) = stdout
        .lines()
        .find_map(|l| Some(l.split_once("verdict: ")?.1))
    else {
        // Its own report (a panic in your function) is in its output.
        fail(
            "The check's child process, out of descriptors, failed before its verdict.",
            "a verdict",
            &format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
        );
    };
    if verdict != "ok" {
        let mut parts = verdict.splitn(3, " | ");
        let (what, expected, got) = (parts.next(), parts.next(), parts.next());
        fail(
            what.unwrap_or(verdict),
            expected.unwrap_or(""),
            got.unwrap_or(""),
        );
    }
}

/// In the child: call your function many times (no descriptor may stay open), then use up
/// the descriptors and call it again; print the verdict: `ok`, or what | expected | got.
#[cfg(unix)]
fn out_of_descriptors() {
    if let Some(lost) = descriptors_lost() {
        println!("verdict: {lost}");
        return;
    }
    let mut files = Vec::new();
    let kernel = loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => files.push(file),
            Err(e) => break e,
        }
        assert!(
            files.len() < 4096,
            "ulimit -n 64 did not limit the descriptors"
        );
    };
    let yours = yours(|| socket_for("tcp://127.0.0.1:0"));
    drop(files);
    let expected = format!(
        "the kernel's own error: {:?}, os error {:?}",
        kernel.kind(),
        kernel.raw_os_error()
    );
    let what = "Out of descriptors, socket_for(\"tcp://127.0.0.1:0\") did not return socket()'s \
                error as it is (the spec is fine: the kernel has no descriptor to give).";
    let verdict = match yours {
        Err(e) if e.raw_os_error().is_some() && e.raw_os_error() == kernel.raw_os_error() => {
            "ok".to_string()
        }
        Err(e) => format!(
            "{what} | {expected} | {:?}, os error {:?}: {e}",
            e.kind(),
            e.raw_os_error()
        ),
        Ok((socket, _)) => format!(
            "{what} | {expected} | a socket ({:?})",
            socket.r#type().ok()
        ),
    };
    println!("verdict: {verdict}");
}

/// In the child (64 descriptors in all): 200 specs refused and 200 sockets made and dropped
/// must leave no descriptor behind, or socket() runs out (EMFILE) long before the end.
#[cfg(unix)]
fn descriptors_lost() -> Option<String> {
    for round in 1..=200 {
        for spec in ["tcp://localhost:80", "udp://[::1]", "tcp://127.0.0.1:0"] {
            let refuse = spec != "tcp://127.0.0.1:0";
            match yours(|| socket_for(spec)) {
                Err(e) if refuse && e.kind() == std::io::ErrorKind::InvalidInput => {}
                Ok(made) if !refuse => drop(made),
                got => {
                    let got = match got {
                        Ok((socket, _)) => format!("a socket ({:?})", socket.r#type().ok()),
                        Err(e) => format!("{:?}: {e}", e.kind()),
                    };
                    return Some(format!(
                        "Called again and again in a process of 64 descriptors, socket_for({spec:?}) \
                         failed at round {round} of 200: the calls before left descriptors open \
                         (a socket made and not returned, on the way to an error?) | {} | {got}",
                        if refuse {
                            "an error of kind InvalidInput, every time"
                        } else {
                            "a socket, every time (each one dropped before the next)"
                        }
                    ));
                }
            }
        }
    }
    None
}

#[test]
fn socket_for_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your socket_for runs.
    testkit::prints_nothing(
        "socket_for",
        &[
            "a_spec_that_names_no_endpoint_is_invalid_input",
            "tcp_with_an_ipv4_address_is_a_tcp_socket_of_ipv4",
            "unix_with_a_path_too_long_for_an_address_is_refused",
        ],
    );
}
