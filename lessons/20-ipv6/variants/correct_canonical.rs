// CORRECT, written differently: std's `IpAddr::to_canonical` unmaps a mapped address (and
// leaves every other one as it is); the port is put back by hand.

use std::net::SocketAddr;

pub fn unmap(addr: SocketAddr) -> SocketAddr {
    let ip = addr.ip().to_canonical();
    if ip == addr.ip() {
        return addr; // keep a V6's flow info and scope id
    }
    SocketAddr::new(ip, addr.port())
}
