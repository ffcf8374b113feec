//! SMTP delivery over connections kept open from one message to the next.
//!
//! lettre's pooled transport leaves Nagle's algorithm on. It writes a
//! message's body and its closing dot as two writes, so the dot waits for
//! the server's delayed ACK: about 40 ms on every message, which held the
//! outbox to ~22 messages/s. lettre has merged the fix (set TCP_NODELAY,
//! lettre#1159) but not released it. Until it does, this module opens the
//! TCP connection itself, with TCP_NODELAY, and hands it to lettre's
//! `AsyncSmtpConnection`, which still speaks SMTP, STARTTLS and AUTH.
//! Implicit TLS (port 465) must be set up before lettre reads the greeting,
//! which it cannot do over a stream of ours, so that mode keeps lettre's
//! pooled transport.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

/// Connections idle longer than this are checked with NOOP before reuse:
/// servers drop idle clients (Postfix after 300 s), and a message sent down
/// a dropped connection would wait for its retry.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(10);
/// At most this many idle connections are kept.
const MAX_IDLE: usize = 4;

pub struct SmtpConnections {
    host: String,
    port: u16,
    starttls: bool,
    timeout: Duration,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpConnections {
    pub fn new(host: &str, port: u16, starttls: bool, timeout: Duration, credentials: Option<Credentials>) -> Self {
        Self {
            host: host.to_owned(),
            port,
            starttls,
            timeout,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message on an idle connection, or on a new one. A reused
    /// connection that fails (the server restarted, or dropped it) gets one
    /// more try on a fresh connection, so the message does not wait for its
    /// backoff.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> anyhow::Result<()> {
        if let Some(conn) = self.take_idle().await
            && self.send_on(conn, envelope, message).await.is_ok()
        {
            return Ok(());
        }
        self.send_on(self.connect().await?, envelope, message).await
    }

    async fn send_on(&self, mut conn: AsyncSmtpConnection, envelope: &Envelope, message: &[u8]) -> anyhow::Result<()> {
        match tokio::time::timeout(self.timeout, conn.send(envelope, message)).await {
            Ok(Ok(_)) => {
                if !conn.has_broken() {
                    self.put_back(conn);
                }
                Ok(())
            }
            Ok(Err(error)) => {
                conn.abort().await;
                Err(error).context("the SMTP server refused the message")
            }
            Err(_) => anyhow::bail!("the SMTP server did not answer within {} s", self.timeout.as_secs()),
        }
    }

    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop()?;
            if since.elapsed() < CHECK_AFTER_IDLE {
                return Some(conn);
            }
            match tokio::time::timeout(self.timeout, conn.test_connected()).await {
                Ok(true) => return Some(conn),
                _ => conn.abort().await,
            }
        }
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> anyhow::Result<AsyncSmtpConnection> {
        let setup = async {
            let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .with_context(|| format!("cannot connect to the SMTP server {}:{}", self.host, self.port))?;
            stream.set_nodelay(true).context("TCP_NODELAY")?;
            let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .context("the SMTP server did not greet")?;
            if self.starttls {
                let tls = TlsParameters::new(self.host.clone()).context("TLS settings for the SMTP server")?;
                conn.starttls(tls, &self.hello).await.context("STARTTLS failed")?;
            }
            if let Some(credentials) = &self.credentials {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                    .await
                    .context("the SMTP server refused the credentials")?;
            }
            anyhow::Ok(conn)
        };
        tokio::time::timeout(self.timeout, setup)
            .await
            .with_context(|| format!("connecting to the SMTP server took over {} s", self.timeout.as_secs()))?
    }
}
