// WRONG: the wait doubles on each expiry but a new acknowledgement does not bring it back to
// rto: after one bad stretch every later loss waits the grown timeout (up to max_rto).

use std::collections::BTreeMap;
use std::io;
use std::time::Instant;

#[allow(unused_imports)]
use crate::{Config, Link, Packet};

pub fn send(link: &mut dyn Link, data: &[u8], config: &Config) -> io::Result<()> {
    let chunks: Vec<&[u8]> = data.chunks(config.payload.max(1)).collect();
    let total = chunks.len() as u32 + 1;
    let packet = |seq: u32| match chunks.get(seq as usize) {
        Some(chunk) => Packet::Data {
            seq,
            payload: chunk.to_vec(),
        },
        None => Packet::End { seq },
    };
    let (mut base, mut next) = (0u32, 0u32);
    let mut rto = config.rto;
    let mut expiries = 0;
    let mut timer = Instant::now();
    while base < total {
        while next < total && ((next - base) as usize) < config.window {
            link.send(&packet(next).encode())?;
            if next == base {
                timer = Instant::now();
            }
            next += 1;
        }
        let waited = timer.elapsed();
        if waited >= rto {
            expiries += 1;
            if expiries >= config.tries {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no acknowledgement",
                ));
            }
            link.send(&packet(base).encode())?;
            rto = (rto * 2).min(config.max_rto);
            timer = Instant::now();
            continue;
        }
        if let Some(datagram) = link.recv(rto - waited)? {
            if let Some(Packet::Ack { next: ack }) = Packet::parse(&datagram) {
                if base < ack && ack <= next {
                    base = ack;
                    expiries = 0;
                    timer = Instant::now();
                }
            }
        }
    }
    Ok(())
}

pub fn receive(link: &mut dyn Link, config: &Config) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut next = 0u32;
    let mut early: BTreeMap<u32, Option<Vec<u8>>> = BTreeMap::new();
    let mut ended = false;
    loop {
        let wait = if ended { config.linger } else { config.idle };
        let Some(datagram) = link.recv(wait)? else {
            return match ended {
                true => Ok(out),
                false => Err(io::Error::new(io::ErrorKind::TimedOut, "nothing came")),
            };
        };
        let (seq, payload) = match Packet::parse(&datagram) {
            Some(Packet::Data { seq, payload }) => (seq, Some(payload)),
            Some(Packet::End { seq }) => (seq, None),
            _ => continue,
        };
        if !ended && seq >= next {
            if seq > next {
                if early.len() < config.window && seq - next < config.window as u32 {
                    early.insert(seq, payload);
                }
            } else {
                let mut now = Some(payload);
                while let Some(p) = now {
                    match p {
                        Some(bytes) => out.extend_from_slice(&bytes),
                        None => ended = true,
                    }
                    next += 1;
                    now = if ended { None } else { early.remove(&next) };
                }
            }
        }
        link.send(&Packet::Ack { next }.encode())?;
    }
}
