// Reference solution for lesson 02's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

// ANCHOR: solution
/// Bind a socket to the first free port of `ports` on `ip`: each attempt through `bind(addr)`,
/// in order; "address already in use" moves on to the next port, any other error ends the
/// search. Port 0 or an empty range is `InvalidInput`; a range with every port taken is one
/// `AddrInUse` error that names it.
pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let (first, last) = (*ports.start(), *ports.end());
    if ports.is_empty() || ports.contains(&0) {
        let why = "no range of ports to try: port 0 means any port, and a range goes up";
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    // A range's iterator stops after its last port, 65535 included: no `port += 1` to overflow.
    for port in ports {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                // getsockname(): the address the kernel really gave this socket.
                let own = socket.local_addr()?.as_socket();
                let own = own.ok_or_else(|| io::Error::other("not an IP address"))?;
                return Ok((socket, own));
            }
            // Another socket holds this port: the next one may be free.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            // Not about this one port (an address this machine lacks, no permission, …).
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
// ANCHOR_END: solution
