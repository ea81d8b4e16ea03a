//! Binding the loopback port and accepting connections.

use super::connection;
use super::Shared;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// Binds `addr` with `SO_REUSEADDR`, so a restart can rebind the port while old connections
/// sit in `TIME_WAIT`.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Spawns the accept loop on the current runtime. Aborting the task closes the listener.
pub(crate) fn spawn_accept(shared: Arc<Shared>, listener: TcpListener) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((sock, peer)) => spawn_connection(&shared, sock, peer),
                Err(e) => {
                    // Out of descriptors and the like: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    })
}

/// Spawns the task of one connection. It ends on its own or when the server's epoch changes
/// (restart, shutdown); either way its socket is closed and the connection count goes down.
fn spawn_connection(shared: &Arc<Shared>, sock: TcpStream, peer: SocketAddr) {
    let _ = sock.set_nodelay(true);
    let guard = ConnectionGuard::new(shared.clone());
    let mut epoch = shared.epoch.subscribe();
    let shared = shared.clone();
    tokio::spawn(async move {
        let _guard = guard;
        tokio::select! {
            () = connection::serve(&shared, sock, peer) => {}
            _ = epoch.changed() => tracing::debug!(%peer, "connection closed by restart or shutdown"),
        }
    });
}

/// Counts a live connection; dropping it (task ended or cancelled) uncounts it.
#[derive(Debug)]
struct ConnectionGuard(Arc<Shared>);

impl ConnectionGuard {
    fn new(shared: Arc<Shared>) -> Self {
        shared.update(|s| s.connections += 1);
        Self(shared)
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.update(|s| s.connections = s.connections.saturating_sub(1));
    }
}
