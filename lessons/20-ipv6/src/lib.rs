//! Lesson 20's exercise: `allowed`, the allow-list of a dual-stack server. It prints nothing:
//! the lesson's server calls it and narrates around it, and the tests check what it returns.
//! The rules it is given are `Net`s (below), read from text such as `10.0.0.0/8`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-20-ipv6` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::allowed;

// ANCHOR: net
/// A network: an address and a prefix length, `10.0.0.0/8` or `2001:db8::/32`. The network
/// is every address whose first `prefix` bits are those of `addr`.
///
/// A `Net` always has a prefix its family allows: 0 to 32 for IPv4, 0 to 128 for IPv6.
/// `10.0.0.1/8` is accepted and means `10.0.0.0/8`: `addr` keeps the bits written after the
/// prefix, but they are not part of the network (nginx's `allow` accepts it too, with a
/// warning that the "low address bits" are meaningless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// The network of `addr`'s first `prefix` bits; `None` when the family has fewer bits.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Net> {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= bits).then_some(Net { addr, prefix })
    }

    /// The address, as written.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// How many of the address's first bits make the network.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

/// `ADDR/LEN`, or `ADDR` alone for that one address (`/32` or `/128`).
impl FromStr for Net {
    type Err = String;

    fn from_str(text: &str) -> Result<Net, String> {
        let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text}: {addr:?} is not an IP address"))?;
        let most = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            "" if !text.contains('/') => most,
            _ => prefix
                .parse()
                .map_err(|_| format!("{text}: {prefix:?} is not a prefix length"))?,
        };
        Net::new(addr, prefix).ok_or_else(|| {
            format!("{text}: an address of this family has {most} bits, not {prefix}")
        })
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}
// ANCHOR_END: net

#[cfg(test)]
mod tests {
    use super::Net;

    #[test]
    fn rules_are_read_or_refused_clearly() {
        let net: Net = "10.0.0.0/8".parse().unwrap();
        assert_eq!(
            (net.addr().to_string(), net.prefix()),
            ("10.0.0.0".into(), 8)
        );
        assert_eq!("::1".parse::<Net>().unwrap().prefix(), 128);
        assert_eq!("192.0.2.7".parse::<Net>().unwrap().prefix(), 32);
        assert_eq!("::/0".parse::<Net>().unwrap().to_string(), "::/0");
        assert_eq!(
            "10.0.0.1/8".parse::<Net>().unwrap().to_string(),
            "10.0.0.1/8"
        );
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10/8",
            "",
            "/8",
            "::1/-1",
        ] {
            let err = bad.parse::<Net>().unwrap_err();
            assert!(err.starts_with(bad), "{bad}: {err}");
        }
    }
}
