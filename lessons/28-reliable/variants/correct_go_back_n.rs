// CORRECT, and simpler: go-back-N. On a timeout the sender sends every packet in flight
// again; the receiver takes only the packet it expects next and drops any other (the sender
// will send it again). Fewer states, more datagrams when packets are lost.

use std::io::{self, ErrorKind};
use std::time::Instant;

use crate::{Config, Link, Packet};

pub fn send(link: &mut dyn Link, data: &[u8], config: &Config) -> io::Result<()> {
    let mut packets: Vec<Packet> = data
        .chunks(config.payload)
        .zip(0u32..)
        .map(|(chunk, seq)| Packet::Data {
            seq,
            payload: chunk.to_vec(),
        })
        .collect();
    let total = packets.len() as u32 + 1;
    packets.push(Packet::End { seq: total - 1 });

    let (mut base, mut sent_up_to) = (0u32, 0u32);
    let mut timeout = config.rto;
    let mut silent_expiries = 0u32;
    let mut started = Instant::now();
    loop {
        if base == total {
            return Ok(());
        }
        let window_end = total.min(base + config.window as u32);
        for seq in sent_up_to..window_end {
            link.send(&packets[seq as usize].encode())?;
        }
        if sent_up_to == base {
            started = Instant::now();
        }
        sent_up_to = sent_up_to.max(window_end);

        let waited = started.elapsed();
        let reply = if waited >= timeout {
            None
        } else {
            link.recv(timeout - waited)?
        };
        match reply.map(|d| Packet::parse(&d)) {
            Some(Some(Packet::Ack { next })) if next > base && next <= sent_up_to => {
                base = next;
                timeout = config.rto;
                silent_expiries = 0;
                started = Instant::now();
            }
            Some(_) => {} // old, false or not an Ack at all
            None => {
                silent_expiries += 1;
                if silent_expiries == config.tries {
                    return Err(ErrorKind::TimedOut.into());
                }
                // Go back N: everything in flight, again.
                for seq in base..sent_up_to {
                    link.send(&packets[seq as usize].encode())?;
                }
                timeout = config.max_rto.min(timeout + timeout);
                started = Instant::now();
            }
        }
    }
}

pub fn receive(link: &mut dyn Link, config: &Config) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut expected = 0u32;
    let mut done = false;
    while !done {
        let datagram = match link.recv(config.idle)? {
            Some(datagram) => datagram,
            None => return Err(ErrorKind::TimedOut.into()),
        };
        match Packet::parse(&datagram) {
            Some(Packet::Data { seq, payload }) => {
                if seq == expected {
                    bytes.extend(payload);
                    expected += 1;
                }
            }
            Some(Packet::End { seq }) => {
                if seq == expected {
                    expected += 1;
                    done = true;
                }
            }
            _ => continue,
        }
        link.send(&Packet::Ack { next: expected }.encode())?;
    }
    // Answer repeats until the sender has been quiet for `linger`.
    while let Some(datagram) = link.recv(config.linger)? {
        if matches!(
            Packet::parse(&datagram),
            Some(Packet::Data { .. } | Packet::End { .. })
        ) {
            link.send(&Packet::Ack { next: expected }.encode())?;
        }
    }
    Ok(bytes)
}
