//! The exercise's checks: your `unmap`, called on the addresses a dual-stack server meets, and
//! once on a real dual-stack socket. They check what it returns, never what anything prints.
//! (`cargo exercise lesson-20-ipv6` runs them on src/exercise.rs.)

use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpStream};

use lesson_20_ipv6::unmap;
use socket2::{Domain, Socket, Type};
use testkit::{fail, yours};

/// Check `unmap(given)` against `expected`, with a sentence that says what this case is.
#[track_caller]
fn check(what: &str, given: &str, expected: &str) {
    let given: SocketAddr = given.parse().unwrap();
    let expected: SocketAddr = expected.parse().unwrap();
    let got = yours(|| unmap(given));
    if got != expected {
        fail(
            &format!("unmap({given}): {what}."),
            &expected.to_string(),
            &got.to_string(),
        );
    }
}

#[test]
fn a_mapped_address_becomes_the_ipv4_address_with_its_port() {
    let what = "an IPv4 client of a dual-stack socket is shown as IPv4, same port";
    check(what, "[::ffff:127.0.0.1]:5000", "127.0.0.1:5000");
    check(what, "[::ffff:127.0.0.1]:40001", "127.0.0.1:40001");
}

#[test]
fn any_mapped_ipv4_address_is_unmapped_not_only_loopback() {
    let what = "every IPv4 client is unmapped, wherever it comes from";
    check(what, "[::ffff:192.0.2.7]:443", "192.0.2.7:443");
    check(what, "[::ffff:10.1.2.3]:1", "10.1.2.3:1");
    check(what, "[::ffff:0.0.0.0]:9", "0.0.0.0:9");
}

#[test]
fn ipv6_addresses_that_are_not_mapped_stay_ipv6() {
    let what = "this is a real IPv6 address: it stays as it is";
    check(what, "[::1]:5000", "[::1]:5000");
    check(what, "[::2]:5000", "[::2]:5000");
    check(what, "[::]:80", "[::]:80");
    check(what, "[::7f00:1]:5000", "[::7f00:1]:5000");
    check(what, "[2001:db8::1]:5000", "[2001:db8::1]:5000");
    // ffff in the sixth group is not enough: the first 80 bits must be zero too (RFC 4291
    // 2.5.5.2, ::ffff:0:0/96). These are global addresses that merely end like a mapped one.
    check(
        what,
        "[2001:db8::ffff:c000:221]:5000",
        "[2001:db8::ffff:c000:221]:5000",
    );
    check(what, "[1::ffff:a00:1]:5000", "[1::ffff:a00:1]:5000");
    // A link-local address keeps its scope id (and its flow info): the address is unchanged.
    let scoped = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 7, 3, 2));
    let got = yours(|| unmap(scoped));
    if got != scoped {
        fail(
            "unmap(fe80::1, flow info 3, scope id 2): an IPv6 address comes back unchanged.",
            &format!("{scoped:?}"),
            &format!("{got:?}"),
        );
    }
}

#[test]
fn ipv4_addresses_stay_as_they_are() {
    let what = "an IPv4 address is already what the peer has";
    check(what, "127.0.0.1:5000", "127.0.0.1:5000");
    check(what, "192.0.2.7:1", "192.0.2.7:1");
}

#[test]
fn a_real_ipv4_client_of_a_dual_stack_socket_is_told_its_own_address() {
    // A dual-stack listener on [::1]'s family, taking IPv4 too (IPV6_V6ONLY off).
    let socket = match Socket::new(Domain::IPV6, Type::STREAM, None) {
        Ok(socket) => socket,
        Err(e) => return println!("note: skipped, no IPv6 here ({e})"),
    };
    if socket.set_only_v6(false).is_err() {
        return println!("note: skipped, no dual-stack sockets here");
    }
    let any = SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0));
    if let Err(e) = socket.bind(&any.into()).and_then(|_| socket.listen(8)) {
        return println!("note: skipped, cannot listen on [::]:0 ({e})");
    }
    let port = socket.local_addr().unwrap().as_socket().unwrap().port();
    let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (_conn, peer) = socket.accept().unwrap();
    let peer = peer.as_socket().unwrap();
    let me = client.local_addr().unwrap();
    let got = yours(|| unmap(peer));
    if got != me {
        fail(
            &format!("accept() gave {peer} for an IPv4 client: it must be told its own address."),
            &me.to_string(),
            &got.to_string(),
        );
    }
}
