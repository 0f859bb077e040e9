//! Lesson 22's exercise: `connect_tls`, the client's side of the TLS handshake, with
//! certificate pinning on top of the chain of trust. It prints nothing: the lesson narrates
//! around it (`TlsConnector::connect(…)` in main.rs), and the checks run it against TLS
//! servers of their own. What it is given: `Pin`, a certificate's SHA-256 fingerprint, and
//! `fingerprint`, which computes one.

use std::fmt;

use tokio_rustls::rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
use tokio_rustls::rustls::pki_types::CertificateDer;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-22-tls` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::connect_tls;

// ANCHOR: pin
/// A pin: the SHA-256 of one certificate's bytes (its DER encoding, as it crosses the wire).
/// Two certificates have the same pin only if they are the same certificate: a new one for
/// the same name and key, from the same CA, has another.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pin(pub [u8; 32]);

/// The pin of `cert`: the SHA-256 of its DER bytes (rustls's own SHA-256, from the `ring`
/// provider the workspace builds it with).
pub fn fingerprint(cert: &CertificateDer<'_>) -> Pin {
    let sha256 = TLS13_AES_128_GCM_SHA256
        .tls13()
        .expect("a TLS 1.3 cipher suite")
        .common
        .hash_provider;
    let digest = sha256.hash(cert.as_ref());
    Pin(digest.as_ref().try_into().expect("SHA-256 is 32 bytes"))
}

/// `sha256/` and the 32 bytes in hex, the first 8 of them when shortened (`{:#}`):
/// `sha256/3fa2…` in the lesson's narration.
impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if f.alternate() { 8 } else { 32 };
        write!(f, "sha256/")?;
        for byte in &self.0[..shown] {
            write!(f, "{byte:02x}")?;
        }
        if shown < 32 {
            write!(f, "…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({self})")
    }
}
// ANCHOR_END: pin

/// A pin as the lesson prints it (`sha256/` and 64 hex digits), or the 64 digits alone.
impl std::str::FromStr for Pin {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Pin, Self::Err> {
        let hex = text.strip_prefix("sha256/").unwrap_or(text);
        if hex.len() != 64 || !hex.is_ascii() {
            // The error of a number that is not one: "invalid digit found in string".
            return Err(u8::from_str_radix("-", 16).unwrap_err());
        }
        let mut pin = [0; 32];
        for (byte, pair) in pin.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).expect("ASCII");
            *byte = u8::from_str_radix(pair, 16)?;
        }
        Ok(Pin(pin))
    }
}
