//! A server reached under another address: a TCP relay from an address of this machine that is
//! not loopback, for the server engines' tests of the TLS a remote server gets by default.

/// An address of this machine other than loopback (the one its default route leaves from), or
/// `None` without one.
pub fn non_loopback_address() -> Option<std::net::IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks the route.
    probe.connect("192.0.2.1:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// A TCP relay from `listen_on` to `server` (`host:port`): the same server, reached under a host
/// that is not loopback, so a URL gets the default of a remote server. Returns its `host:port`.
pub fn relay_to(server: String, listen_on: std::net::IpAddr) -> String {
    let listener = std::net::TcpListener::bind((listen_on, 0)).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(upstream) = std::net::TcpStream::connect(&server) else {
                continue;
            };
            let (mut c1, mut u1) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let (mut c2, mut u2) = (client, upstream);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut u1);
                let _ = u1.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    match address {
        std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        std::net::SocketAddr::V4(a) => a.to_string(),
    }
}
