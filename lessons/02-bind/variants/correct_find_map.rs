// CORRECT, written differently: the search as an iterator (find_map over the range), which
// stops at the first port that binds or at the first error that is not "in use".

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let range = format!("{}-{}", ports.start(), ports.end());
    if ports.is_empty() || *ports.start() == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad range {range}"),
        ));
    }
    let outcome = ports
        .into_iter()
        .find_map(|port| match bind(SocketAddr::new(ip, port)) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => None,
            other => Some(other),
        });
    let socket = match outcome {
        Some(bound) => bound?,
        None => {
            let why = format!("ports {range} are all in use");
            return Err(io::Error::new(io::ErrorKind::AddrInUse, why));
        }
    };
    let own = crate::exercise::socket_address(&socket)?;
    Ok((socket, own))
}

fn socket_address(socket: &Socket) -> io::Result<SocketAddr> {
    let addr = socket.local_addr()?;
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}
