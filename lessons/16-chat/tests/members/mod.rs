//! Helpers for the tests that seat many members at once (crowd.rs, descriptors.rs).

use std::net::SocketAddr;

use testkit::Conn;

/// Connect `n` members to `addr` and send each its nickname, `m0` … `m{n-1}`; no waiting.
pub fn arrive(addr: SocketAddr, n: usize) -> Vec<Conn> {
    (0..n)
        .map(|k| {
            let mut conn = Conn::open(addr);
            conn.send(format!("m{k}\n").as_bytes());
            conn
        })
        .collect()
}

/// Each member must be welcomed.
pub fn welcomed(members: &mut [Conn]) {
    for (k, conn) in members.iter_mut().enumerate() {
        conn.expect(format!("* welcome m{k}\n").as_bytes());
    }
}

/// m0 says `text`; every other member must get `m0: TEXT` next (after join notices, which
/// the first members of a room get), and nothing else.
pub fn everyone_hears_m0(members: &mut [Conn], text: &str) {
    members[0].send(format!("{text}\n").as_bytes());
    for (k, conn) in members.iter_mut().enumerate().skip(1) {
        let line = loop {
            let line = conn.read_line();
            if !(line.starts_with("* m") && line.ends_with(" joined")) {
                break line;
            }
        };
        assert_eq!(line, format!("m0: {text}"), "member m{k}");
    }
}
