//! The exercise's checks: your `allowed`, asked about the peers a dual-stack server meets
//! against rules read as the server reads `--allow`, and once over real sockets (a dual-stack
//! listener on `[::]` and one client of each family). They check what it answers, never what
//! anything prints. (`cargo exercise lesson-20-ipv6` runs them on src/exercise.rs.)

use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpStream};

use lesson_20_ipv6::{allowed, Net};
use socket2::{Domain, Socket, Type};
use testkit::{fail, yours};

/// The rules, read as the server reads `--allow`.
fn rules(texts: &[&str]) -> Vec<Net> {
    texts.iter().map(|t| t.parse().unwrap()).collect()
}

/// Check `allowed(peer, rules)` against `expected`, with a sentence that says why.
#[track_caller]
fn check(texts: &[&str], peer: &str, expected: bool, why: &str) {
    let peer: SocketAddr = peer.parse().unwrap();
    check_peer(texts, peer, expected, why);
}

#[track_caller]
fn check_peer(texts: &[&str], peer: SocketAddr, expected: bool, why: &str) {
    let got = yours(|| allowed(peer, &rules(texts)));
    if got != expected {
        fail(
            &format!("allowed({peer}, {texts:?}): {why}."),
            &expected.to_string(),
            &got.to_string(),
        );
    }
}

#[test]
fn a_prefix_is_counted_in_bits_even_inside_a_byte() {
    let why = "/12 is the first 12 bits: 172.16 to 172.31";
    check(&["172.16.0.0/12"], "172.16.0.0:1", true, why);
    check(&["172.16.0.0/12"], "172.31.255.255:1", true, why);
    check(&["172.16.0.0/12"], "172.32.0.0:1", false, why);
    check(&["172.16.0.0/12"], "172.15.255.255:1", false, why);
    let why = "/20 ends inside the third byte";
    check(&["192.0.16.0/20"], "192.0.31.1:1", true, why);
    check(&["192.0.16.0/20"], "192.0.32.1:1", false, why);
    let why = "/33 ends one bit into the third group";
    check(&["2001:db8::/33"], "[2001:db8:7fff::1]:1", true, why);
    check(&["2001:db8::/33"], "[2001:db8:8000::1]:1", false, why);
    check(&["2001:db8:8000::/33"], "[2001:db8:ffff::1]:1", true, why);
    let why = "/127 holds two addresses";
    check(&["2001:db8::/127"], "[2001:db8::1]:1", true, why);
    check(&["2001:db8::/127"], "[2001:db8::2]:1", false, why);
}

#[test]
fn a_prefix_is_bits_not_digits_of_the_text() {
    let why = "100.0.0.1 starts with the digits \"10\", not with the 8 bits of 10";
    check(&["10.0.0.0/8"], "100.0.0.1:1", false, why);
    check(&["1.2.3.0/24"], "1.2.30.5:1", false, why);
    let why = "2001:db80:: starts with the text \"2001:db8\", not with its 32 bits";
    check(&["2001:db8::/32"], "[2001:db80::1]:1", false, why);
    check(
        &["2001:db8::/32"],
        "[2001:db8:0:1::5]:1",
        true,
        "2001:db8::/32 holds it",
    );
}

#[test]
fn the_bits_of_a_rule_after_its_prefix_play_no_part() {
    let why = "10.9.9.9/8 is the network 10.0.0.0/8";
    check(&["10.9.9.9/8"], "10.0.0.1:1", true, why);
    check(&["10.9.9.9/8"], "10.200.1.2:1", true, why);
    check(
        &["192.0.2.1/0"],
        "8.8.8.8:53",
        true,
        "192.0.2.1/0 is every IPv4 address",
    );
    let why = "2001:db8::1/32 is the network 2001:db8::/32";
    check(&["2001:db8::1/32"], "[2001:db8:ffff::2]:1", true, why);
}

#[test]
fn slash_zero_holds_its_whole_family() {
    let why = "/0 holds every IPv4 address";
    check(&["0.0.0.0/0"], "0.0.0.0:1", true, why);
    check(&["0.0.0.0/0"], "255.255.255.255:1", true, why);
    check(&["0.0.0.0/0"], "203.0.113.9:1", true, why);
    let why = "/0 holds every IPv6 address";
    check(&["::/0"], "[8000::]:1", true, why);
    check(
        &["::/0"],
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1",
        true,
        why,
    );
    check(&["::/0"], "[2001:db8::1]:1", true, why);
}

#[test]
fn slash_32_and_slash_128_hold_one_address() {
    let why = "/32 is one IPv4 address";
    check(&["192.0.2.7/32"], "192.0.2.7:1", true, why);
    check(&["192.0.2.7/32"], "192.0.2.6:1", false, why);
    check(&["192.0.2.7/32"], "192.0.2.8:1", false, why);
    check(&["255.255.255.255/32"], "255.255.255.255:1", true, why);
    let why = "/128 is one IPv6 address";
    check(&["2001:db8::7/128"], "[2001:db8::7]:1", true, why);
    check(&["2001:db8::7/128"], "[2001:db8::6]:1", false, why);
    check(&["2001:db8::7/128"], "[2001:db8::8]:1", false, why);
    check(
        &["2001:db8::7"],
        "[2001:db8::7]:1",
        true,
        "a rule without /LEN is that one address",
    );
}

#[test]
fn a_rule_holds_only_addresses_of_its_own_family() {
    let why = "an IPv4 rule holds no IPv6 client";
    check(&["0.0.0.0/0"], "[2001:db8::1]:1", false, why);
    check(&["0.0.0.0/0"], "[fe80::1]:1", false, why);
    check(&["10.0.0.0/8"], "[2001:db8::a00:1]:1", false, why);
    let why = "an IPv6 rule holds no IPv4 client";
    check(&["::/0"], "10.0.0.1:1", false, why);
    check(&["::/0"], "127.0.0.1:1", false, why);
    check(&["::ffff:0:0/96"], "10.0.0.1:1", false, why);
}

#[test]
fn a_mapped_peer_is_its_ipv4_self_for_every_rule() {
    let why = "[::ffff:a.b.c.d] is the IPv4 client a.b.c.d of a dual-stack socket";
    check(&["10.0.0.0/8"], "[::ffff:10.1.2.3]:5000", true, why);
    check(&["127.0.0.0/8"], "[::ffff:127.0.0.1]:5000", true, why);
    check(&["203.0.113.0/24"], "[::ffff:203.0.113.9]:5000", true, why);
    check(&["192.0.2.7/32"], "[::ffff:192.0.2.7]:5000", true, why);
    check(&["192.0.2.7/32"], "[::ffff:192.0.2.8]:5000", false, why);
    check(&["10.0.0.0/8"], "[::ffff:11.1.2.3]:5000", false, why);
    let why = "an IPv4 client is held by no IPv6 rule, even on a dual-stack socket";
    check(&["::/0"], "[::ffff:10.1.2.3]:5000", false, why);
    check(&["::ffff:0:0/96"], "[::ffff:10.1.2.3]:5000", false, why);
    check(
        &["::ffff:10.0.0.0/104"],
        "[::ffff:10.1.2.3]:5000",
        false,
        why,
    );
    let why = "a rule written as a mapped address is an IPv6 rule: it holds no IPv4 client";
    check(
        &["::ffff:10.1.2.3/128"],
        "[::ffff:10.1.2.3]:5000",
        false,
        why,
    );
    check(&["::ffff:10.1.2.3"], "10.1.2.3:5000", false, why);
    let why = "one rule that holds it is enough, wherever it is in the list";
    check(&["::/0", "10.0.0.0/8"], "[::ffff:10.1.2.3]:5000", true, why);
}

#[test]
fn only_mapped_addresses_are_ipv4() {
    let why = "::1 is IPv6 (IPv4-compatible addresses, ::a.b.c.d, are not unmapped)";
    check(&["::1/128"], "[::1]:5000", true, why);
    check(&["0.0.0.0/8"], "[::1]:5000", false, why);
    check(&["0.0.0.0/0"], "[::1]:5000", false, why);
    check(&["0.0.0.1/32"], "[::1]:5000", false, why);
    check(&["10.0.0.0/8"], "[::a00:1]:5000", false, why);
    check(&["::/96"], "[::a00:1]:5000", true, why);
    let why = "an address that ends like a mapped one but does not start with 80 zero bits is IPv6";
    check(
        &["192.0.2.0/24"],
        "[2001:db8::ffff:c000:221]:5000",
        false,
        why,
    );
    check(
        &["2001:db8::/32"],
        "[2001:db8::ffff:c000:221]:5000",
        true,
        why,
    );
    check(&["10.0.0.0/8"], "[1::ffff:a00:1]:5000", false, why);
    let why = "the first 80 bits of a mapped address are zero, all of them: the fifth group too";
    check(&["10.0.0.0/8"], "[::1:ffff:a00:1]:5000", false, why);
    check(&["::/64"], "[::1:ffff:a00:1]:5000", true, why);
    let why = "a mapped address has ffff after its 80 zero bits, and no other group";
    check(&["10.0.0.0/8"], "[::fffe:a00:1]:5000", false, why);
    check(&["::fffe:0:0/96"], "[::fffe:a00:1]:5000", true, why);
}

#[test]
fn ports_flow_info_and_scope_ids_play_no_part() {
    let why = "the rule is about the address alone";
    check(&["10.0.0.0/8"], "10.0.0.1:0", true, why);
    check(&["10.0.0.0/8"], "10.0.0.1:65535", true, why);
    let scoped = SocketAddrV6::new("fe80::1".parse().unwrap(), 7, 3, 2);
    check_peer(&["fe80::/10"], scoped.into(), true, why);
    check_peer(&["fe80::1/128"], scoped.into(), true, why);
    let mapped = SocketAddrV6::new("::ffff:10.0.0.1".parse().unwrap(), 7, 3, 2);
    let why = "[::ffff:10.0.0.1] is the IPv4 client 10.0.0.1, whatever its port, flow info and \
               scope id";
    check_peer(&["10.0.0.1/32"], mapped.into(), true, why);
}

#[test]
fn a_list_allows_a_peer_one_of_its_rules_holds_and_no_rules_allow_no_one() {
    let why = "the second rule holds it";
    check(&["192.0.2.0/24", "10.0.0.0/8"], "10.1.1.1:1", true, why);
    check(
        &["192.0.2.0/24", "2001:db8::/32"],
        "[2001:db8::1]:1",
        true,
        why,
    );
    check(
        &["192.0.2.0/24", "2001:db8::/32"],
        "10.1.1.1:1",
        false,
        "no rule holds it",
    );
    let why = "no rules: no one is allowed";
    check(&[], "127.0.0.1:1", false, why);
    check(&[], "[2001:db8::1]:1", false, why);
    check(&[], "[::ffff:127.0.0.1]:1", false, why);
}

#[test]
fn real_clients_of_a_dual_stack_socket_meet_the_rules_of_their_own_family() {
    // A listener on [::] with IPV6_V6ONLY off: it takes IPv4 clients too, as mapped peers.
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
    let to6 = SocketAddr::from((Ipv6Addr::LOCALHOST, port));
    let Ok(_v6) = TcpStream::connect_timeout(&to6, testkit::timeout()) else {
        return println!("note: skipped, no ::1 here");
    };
    let (_conn, peer6) = socket.accept().unwrap();
    let to4 = SocketAddr::from(([127, 0, 0, 1], port));
    let _v4 = TcpStream::connect_timeout(&to4, testkit::timeout()).unwrap();
    let (_conn, peer4) = socket.accept().unwrap();
    let (peer4, peer6) = (peer4.as_socket().unwrap(), peer6.as_socket().unwrap());
    let v4 = "the client from 127.0.0.1, however accept() shows it";
    let v6 = "the client from ::1, an IPv6 client (only ::ffff:a.b.c.d is IPv4)";
    check_peer(&["127.0.0.0/8"], peer4, true, v4);
    check_peer(&["0.0.0.0/0"], peer4, true, v4);
    check_peer(&["::1/128"], peer4, false, v4);
    check_peer(&["::/0"], peer4, false, v4);
    check_peer(&["::1/128"], peer6, true, v6);
    check_peer(&["127.0.0.0/8"], peer6, false, v6);
    check_peer(&["0.0.0.0/0"], peer6, false, v6);
}

#[test]
fn allowed_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your allowed runs.
    testkit::prints_nothing(
        "allowed",
        &[
            "a_mapped_peer_is_its_ipv4_self_for_every_rule",
            "slash_zero_holds_its_whole_family",
            "a_list_allows_a_peer_one_of_its_rules_holds_and_no_rules_allow_no_one",
        ],
    );
}
