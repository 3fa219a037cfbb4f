//! A forward proxy on 127.0.0.1 that the headless browser must use, so every request a page
//! makes (scripts, frames, redirects) passes the address guard: `CONNECT host:port` for HTTPS,
//! absolute-form requests for HTTP. Anything else is refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::guard::AddressGuard;

/// Largest request head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;

pub struct GuardedProxy {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GuardedProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GuardedProxy {
    pub async fn start(guard: Arc<AddressGuard>, connect_timeout: Duration) -> std::io::Result<GuardedProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let guard = guard.clone();
                tokio::spawn(async move {
                    let _ = serve(client, &guard, connect_timeout).await;
                });
            }
        });
        Ok(GuardedProxy { addr, task })
    }
}

async fn serve(mut client: TcpStream, guard: &AddressGuard, connect_timeout: Duration) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(4096);
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(p) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if head.len() > MAX_HEAD {
            return refuse(&mut client, "431 Request Header Fields Too Large").await;
        }
    };
    let first_line = String::from_utf8_lossy(&head[..head.iter().position(|b| *b == b'\r').unwrap_or(0)]).to_string();
    let mut parts = first_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut origin_form = None;
    let (host, port, connect) = if method.eq_ignore_ascii_case("CONNECT") {
        let Some((h, p)) = target.rsplit_once(':') else {
            return refuse(&mut client, "400 Bad Request").await;
        };
        (h.trim_start_matches('[').trim_end_matches(']').to_string(), p.parse::<u16>().unwrap_or(443), true)
    } else {
        let Ok(url) = url::Url::parse(target) else {
            return refuse(&mut client, "400 Bad Request").await;
        };
        if url.scheme() != "http" {
            return refuse(&mut client, "400 Bad Request").await;
        }
        origin_form = Some(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        });
        (
            url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string(),
            url.port().unwrap_or(80),
            false,
        )
    };
    // Resolve and keep only addresses the guard allows.
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await {
        Ok(a) => a.filter(|a| guard.check(a.ip()).is_ok()).collect(),
        Err(_) => Vec::new(),
    };
    let Some(addr) = addrs.first().copied() else {
        return refuse(&mut client, "403 Forbidden").await;
    };
    let mut upstream = match tokio::time::timeout(connect_timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => return refuse(&mut client, "502 Bad Gateway").await,
    };
    if connect {
        client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await?;
        upstream.write_all(&head[end..]).await?;
    } else {
        // Servers expect the origin form (`GET /path`), not the proxy form (`GET http://...`).
        let line_end = head.iter().position(|b| *b == b'\r').unwrap_or(0);
        let version = first_line.split_whitespace().nth(2).unwrap_or("HTTP/1.1");
        let line = format!("{method} {} {version}", origin_form.unwrap_or_else(|| "/".into()));
        upstream.write_all(line.as_bytes()).await?;
        upstream.write_all(&head[line_end..]).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

async fn refuse(client: &mut TcpStream, status: &str) -> std::io::Result<()> {
    client.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes()).await
}
