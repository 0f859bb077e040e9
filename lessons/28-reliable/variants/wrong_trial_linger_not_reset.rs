// WRONG: the receiver lingers `linger` counted from the End, not from the last datagram:
// repeated Ends that keep coming are left unanswered once that time is up.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::time::Instant;

use crate::{Config, Link, Packet};

/// Send `data` to the peer, reliably: return once the peer has acknowledged all of it and
/// its end. On each expiry, only the oldest packet not acknowledged is sent again, and the
/// wait doubles.
pub fn send(link: &mut dyn Link, data: &[u8], config: &Config) -> io::Result<()> {
    let packets = packets(data, config.payload);
    let total = packets.len() as u32;
    let mut base = 0; // the oldest packet not acknowledged
    let mut next = 0; // the first packet never sent
    let mut rto = config.rto;
    let mut expiries = 0;
    let mut deadline = Instant::now() + rto; // when `base` has waited long enough
    while base < total {
        // Fill the window.
        while next < total && ((next - base) as usize) < config.window {
            link.send(&packets[next as usize])?;
            if next == base {
                deadline = Instant::now() + rto;
            }
            next += 1;
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        let got = match wait.is_zero() {
            true => None,
            false => link.recv(wait)?,
        };
        match got {
            Some(datagram) => {
                // A new acknowledgement, and not of packets never sent: progress.
                if let Some(Packet::Ack { next: acked }) = Packet::parse(&datagram) {
                    if acked > base && acked <= next {
                        base = acked;
                        rto = config.rto;
                        expiries = 0;
                        deadline = Instant::now() + rto;
                    }
                }
                // Anything else (an old Ack, a bad datagram) changes nothing.
            }
            None => {
                expiries += 1;
                if expiries >= config.tries {
                    return Err(io::Error::new(ErrorKind::TimedOut, "no acknowledgement"));
                }
                link.send(&packets[base as usize])?;
                rto = (rto * 2).min(config.max_rto); // back off (RFC 6298, 5.5)
                deadline = Instant::now() + rto;
            }
        }
    }
    Ok(())
}

/// The stream cut into Data packets of `payload` bytes at most, then the End.
fn packets(data: &[u8], payload: usize) -> Vec<Vec<u8>> {
    let mut packets: Vec<Vec<u8>> = data
        .chunks(payload)
        .enumerate()
        .map(|(seq, chunk)| {
            let payload = chunk.to_vec();
            Packet::Data {
                seq: seq as u32,
                payload,
            }
            .encode()
        })
        .collect();
    let seq = packets.len() as u32;
    packets.push(Packet::End { seq }.encode());
    packets
}

/// Receive one stream, reliably: its bytes, each once, in order. Packets that come early
/// (within the window) are kept until the ones before them have come.
pub fn receive(link: &mut dyn Link, config: &Config) -> io::Result<Vec<u8>> {
    let mut stream = Vec::new();
    let mut next: u32 = 0; // the next packet to deliver
    let mut early: BTreeMap<u32, Packet> = BTreeMap::new();
    loop {
        let Some(datagram) = link.recv(config.idle)? else {
            return Err(io::Error::new(ErrorKind::TimedOut, "the sender went quiet"));
        };
        let seq = match Packet::parse(&datagram) {
            Some(Packet::Data { seq, .. } | Packet::End { seq }) => seq,
            _ => continue, // not for a receiver: ignored, unanswered
        };
        // Keep it if it is new and within the window; a copy of an old one is dropped.
        if seq >= next && ((seq - next) as usize) < config.window {
            if let Some(packet) = Packet::parse(&datagram) {
                early.entry(seq).or_insert(packet);
            }
        }
        let mut ended = false;
        while let Some(packet) = early.remove(&next) {
            next += 1;
            match packet {
                Packet::Data { payload, .. } => stream.extend_from_slice(&payload),
                _ => ended = true,
            }
        }
        // Every Data or End is answered: what has arrived so far, in one number.
        link.send(&Packet::Ack { next }.encode())?;
        if ended {
            linger(link, next, config)?;
            return Ok(stream);
        }
    }
}

/// Our last Ack may be lost, and the sender send its End again: answer until nothing has
/// come for `config.linger` (at least the sender's longest wait, `max_rto`).
fn linger(link: &mut dyn Link, next: u32, config: &Config) -> io::Result<()> {
    let until = Instant::now() + config.linger;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Some(again) = link.recv(left)? else { break };
        if let Some(Packet::Data { .. } | Packet::End { .. }) = Packet::parse(&again) {
            link.send(&Packet::Ack { next }.encode())?;
        }
    }
    Ok(())
}
