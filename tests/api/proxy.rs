//! A TCP proxy between the application and its database, so a test can cut
//! the database off and bring it back without touching the shared server.

use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub struct TcpProxy {
    pub port: u16,
    state: Arc<Mutex<Links>>,
    accepting: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Links {
    cut: bool,
    open: Vec<AbortHandle>,
}

impl TcpProxy {
    /// Forwards connections on a fresh local port to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(Links::default()));
        let links = state.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if links.lock().unwrap().cut {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links.lock().unwrap().open.push(forward.abort_handle());
            }
        });
        Self { port, state, accepting }
    }

    /// Drops every open connection and refuses new ones, as a database that went away.
    pub fn cut(&self) {
        let mut links = self.state.lock().unwrap();
        links.cut = true;
        for link in links.open.drain(..) {
            link.abort();
        }
    }

    /// The database is back.
    pub fn restore(&self) {
        self.state.lock().unwrap().cut = false;
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.accepting.abort();
    }
}
