//! Pages that need their scripts run: headless Chromium (the system's `chromium`, never a
//! downloaded browser) driven over the Chrome DevTools Protocol on a pipe
//! (`--remote-debugging-pipe`: NUL-separated JSON on file descriptors 3 and 4).
//!
//! Each fetch gets its own browser process with a fresh profile folder (nothing shared between
//! fetches), behind a semaphore that bounds how many run at once, with a V8 heap limit, and is
//! killed at the timeout. Every request the page makes goes through the guarded proxy. The page
//! is read once `document.readyState` is complete and, when given, the selected elements exist
//! (or the timeout passes).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{mpsc, Semaphore};

use crate::guard::AddressGuard;
use crate::proxy::GuardedProxy;
use crate::FetchError;

/// How long selected elements may take to appear once the page has loaded.
const SETTLE: Duration = Duration::from_secs(5);

/// Where to look for a browser when none is configured.
const CANDIDATES: &[&str] = &["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// Find the browser: the configured path, or the first candidate on PATH.
pub fn find_browser(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| CANDIDATES.iter().map(move |c| dir.join(c))).find(|p| p.is_file())
}

pub struct Rendered {
    pub html: String,
    pub final_url: String,
    /// MIME type of the top document as served (a PDF is then fetched as bytes instead).
    pub mime: String,
}

pub struct BrowserPool {
    executable: Option<PathBuf>,
    tabs: Semaphore,
    proxy: tokio::sync::OnceCell<Result<GuardedProxy, String>>,
    guard: Arc<AddressGuard>,
    connect_timeout: Duration,
    user_agent: String,
}

impl BrowserPool {
    pub fn new(
        executable: Option<PathBuf>,
        max_tabs: usize,
        guard: Arc<AddressGuard>,
        connect_timeout: Duration,
        user_agent: String,
    ) -> Self {
        BrowserPool {
            executable,
            tabs: Semaphore::new(max_tabs.max(1)),
            proxy: tokio::sync::OnceCell::new(),
            guard,
            connect_timeout,
            user_agent,
        }
    }

    pub fn available(&self) -> bool {
        self.executable.is_some()
    }

    /// Render `url` and return the DOM as HTML.
    pub async fn render(&self, url: &str, wait_for: Option<&str>, timeout: Duration) -> Result<Rendered, FetchError> {
        let Some(exe) = self.executable.clone() else {
            return Err(FetchError::BrowserUnavailable(
                "this page needs its scripts run, and no Chromium was found (install Debian's `chromium` or set fetch.browser_path)".into(),
            ));
        };
        let proxy = self
            .proxy
            .get_or_init(|| async {
                GuardedProxy::start(self.guard.clone(), self.connect_timeout).await.map_err(|e| e.to_string())
            })
            .await
            .as_ref()
            .map_err(|e| FetchError::BrowserUnavailable(format!("cannot start the guarded proxy: {e}")))?;
        let proxy_addr = proxy.addr;
        let _tab = self.tabs.acquire().await.map_err(|e| FetchError::Other(e.to_string()))?;
        let (url, wait_for, ua) = (url.to_string(), wait_for.map(str::to_string), self.user_agent.clone());
        let started = Instant::now();
        // The session runs on a blocking thread: pipes and the child process are plain I/O.
        let job = tokio::task::spawn_blocking(move || {
            render_blocking(&exe, proxy_addr, &ua, &url, wait_for.as_deref(), timeout)
        });
        match tokio::time::timeout(timeout + Duration::from_secs(5), job).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(FetchError::Other(format!("browser task failed: {e}"))),
            Err(_) => Err(FetchError::Timeout(started.elapsed())),
        }
    }
}

struct Session {
    /// The top document's HTTP status and MIME type, from Network events.
    main_response: Option<(u16, String)>,
    main_frame: String,
    child: std::process::Child,
    to_browser: std::fs::File,
    from_browser: mpsc::UnboundedReceiver<Value>,
    next_id: u64,
    deadline: Instant,
    _profile: tempfile::TempDir,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two new descriptors into `fds`; we own them from here on.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are not owned elsewhere.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Session {
    fn launch(
        exe: &Path,
        proxy: std::net::SocketAddr,
        user_agent: &str,
        deadline: Instant,
    ) -> Result<Session, FetchError> {
        let io = |e: std::io::Error| FetchError::BrowserUnavailable(format!("cannot start {}: {e}", exe.display()));
        let profile = tempfile::tempdir().map_err(io)?;
        let (cmd_read, cmd_write) = pipe().map_err(io)?;
        let (resp_read, resp_write) = pipe().map_err(io)?;
        let (child_in, child_out) = (cmd_read.as_raw_fd(), resp_write.as_raw_fd());
        let mut command = std::process::Command::new(exe);
        command
            .args([
                "--headless=new",
                "--remote-debugging-pipe",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-sync",
                "--mute-audio",
                "--js-flags=--max-old-space-size=512",
                "--proxy-bypass-list=<-loopback>",
            ])
            .arg(format!("--proxy-server=http://{proxy}"))
            .arg(format!("--user-agent={user_agent}"))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // Chromium runs as root in containers only without its sandbox.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            command.arg("--no-sandbox");
        }
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2) are made.
        // The pipe ends are first moved above 9 so that placing them on 3 and 4 cannot clobber
        // one with the other, and dup2 clears close-on-exec on the copies.
        unsafe {
            command.pre_exec(move || {
                let high_in = libc::fcntl(child_in, libc::F_DUPFD, 10);
                let high_out = libc::fcntl(child_out, libc::F_DUPFD, 10);
                if high_in < 0 || high_out < 0 || libc::dup2(high_in, 3) < 0 || libc::dup2(high_out, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(io)?;
        drop(cmd_read);
        drop(resp_write);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut reader = std::fs::File::from(resp_read);
        std::thread::spawn(move || {
            let mut pending = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.iter().position(|b| *b == 0) {
                    let message: Vec<u8> = pending.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&message[..message.len() - 1]) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
                // A runaway message cannot fill memory.
                if pending.len() > 256 * 1024 * 1024 {
                    return;
                }
            }
        });
        Ok(Session {
            main_response: None,
            main_frame: String::new(),
            child,
            to_browser: std::fs::File::from(cmd_write),
            from_browser: rx,
            next_id: 0,
            deadline,
            _profile: profile,
        })
    }

    /// Send a command and wait for its reply (events in between are skipped).
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, FetchError> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| FetchError::Other(e.to_string()))?;
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .map_err(|e| FetchError::BrowserUnavailable(format!("the browser closed its pipe: {e}")))?;
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(FetchError::Timeout(Duration::ZERO));
            }
            let reply = block_recv(&mut self.from_browser, left)?;
            self.note_event(&reply);
            if reply.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = reply.get("error") {
                    return Err(FetchError::Other(format!("browser: {method} failed: {err}")));
                }
                return Ok(reply.get("result").cloned().unwrap_or(Value::Null));
            }
        }
    }

    fn note_event(&mut self, message: &Value) {
        if message.get("method").and_then(Value::as_str) != Some("Network.responseReceived") {
            return;
        }
        let Some(p) = message.get("params") else { return };
        if p.get("type").and_then(Value::as_str) != Some("Document")
            || p.get("frameId").and_then(Value::as_str) != Some(self.main_frame.as_str())
        {
            return;
        }
        let status = p.pointer("/response/status").and_then(Value::as_f64).unwrap_or(0.0) as u16;
        let mime = p.pointer("/response/mimeType").and_then(Value::as_str).unwrap_or("").to_string();
        self.main_response = Some((status, mime));
    }

    /// Let queued events in (the main response may arrive after the navigation reply).
    fn drain_events(&mut self) {
        while let Ok(v) = self.from_browser.try_recv() {
            self.note_event(&v);
        }
    }

    fn evaluate(&mut self, session: &str, expression: &str) -> Result<Value, FetchError> {
        let r =
            self.call(Some(session), "Runtime.evaluate", json!({"expression": expression, "returnByValue": true}))?;
        Ok(r.pointer("/result/value").cloned().unwrap_or(Value::Null))
    }
}

fn block_recv(rx: &mut mpsc::UnboundedReceiver<Value>, within: Duration) -> Result<Value, FetchError> {
    let deadline = Instant::now() + within;
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(mpsc::error::TryRecvError::Disconnected) => {
                return Err(FetchError::BrowserUnavailable("the browser exited".into()))
            }
            Err(mpsc::error::TryRecvError::Empty) => {
                if Instant::now() >= deadline {
                    return Err(FetchError::Timeout(within));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

fn render_blocking(
    exe: &Path,
    proxy: std::net::SocketAddr,
    user_agent: &str,
    url: &str,
    wait_for: Option<&str>,
    timeout: Duration,
) -> Result<Rendered, FetchError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let mut s = Session::launch(exe, proxy, user_agent, deadline)?;
    let target = s.call(None, "Target.createTarget", json!({"url": "about:blank"}))?;
    let target_id = target.get("targetId").and_then(Value::as_str).unwrap_or_default().to_string();
    let attached = s.call(None, "Target.attachToTarget", json!({"targetId": target_id, "flatten": true}))?;
    let session = attached.get("sessionId").and_then(Value::as_str).unwrap_or_default().to_string();
    s.main_frame = target_id.clone();
    s.call(Some(&session), "Page.enable", json!({}))?;
    s.call(Some(&session), "Network.enable", json!({}))?;
    let nav = s.call(Some(&session), "Page.navigate", json!({"url": url}))?;
    if let Some(err) = nav.get("errorText").and_then(Value::as_str) {
        return Err(classify_net_error(err));
    }
    // Ready when loaded and, if asked, the selected elements are there.
    let selector = wait_for.map(|w| serde_json::to_string(w).unwrap_or_else(|_| "\"body\"".into()));
    let check = match &selector {
        Some(sel) => format!("document.readyState === 'complete' && !!document.querySelector({sel})"),
        None => "document.readyState === 'complete'".to_string(),
    };
    // Once loaded, selected elements get a few seconds to appear: scripts that fill a page do
    // so quickly, and a selector that never matches must not cost the whole timeout.
    let mut loaded_at: Option<Instant> = None;
    loop {
        if s.evaluate(&session, &check).unwrap_or(Value::Bool(false)) == Value::Bool(true) {
            break;
        }
        if loaded_at.is_none()
            && s.evaluate(&session, "document.readyState === 'complete'").unwrap_or(Value::Bool(false))
                == Value::Bool(true)
        {
            loaded_at = Some(Instant::now());
        }
        let settled = loaded_at.is_some_and(|t| t.elapsed() >= SETTLE);
        if settled || Instant::now() + Duration::from_millis(300) >= deadline {
            // Read what is there: extraction reports what is missing.
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    s.drain_events();
    let (status, mime) = s.main_response.clone().unwrap_or((200, "text/html".into()));
    if status >= 400 {
        return Err(FetchError::HttpStatus { status, retry_after: None });
    }
    let html = s.evaluate(&session, "document.documentElement ? document.documentElement.outerHTML : ''")?;
    let final_url = s.evaluate(&session, "location.href")?;
    let _ = s.call(None, "Browser.close", json!({}));
    Ok(Rendered {
        html: html.as_str().unwrap_or_default().to_string(),
        final_url: final_url.as_str().unwrap_or(url).to_string(),
        mime,
    })
}

/// Chromium's network error names, mapped onto our causes.
fn classify_net_error(err: &str) -> FetchError {
    let e = err.to_ascii_uppercase();
    if e.contains("NAME_NOT_RESOLVED") {
        FetchError::Dns(err.into())
    } else if e.contains("TUNNEL_CONNECTION_FAILED") || e.contains("PROXY") {
        // The guarded proxy refused the address, or could not connect.
        FetchError::Connect(format!("{err} (refused by the address guard or unreachable)"))
    } else if e.contains("CONNECTION_REFUSED") || e.contains("CONNECTION_RESET") || e.contains("ADDRESS_UNREACHABLE") {
        FetchError::Connect(err.into())
    } else if e.contains("CERT") || e.contains("SSL") {
        FetchError::Tls(err.into())
    } else if e.contains("TIMED_OUT") {
        FetchError::Timeout(Duration::ZERO)
    } else if e.contains("TOO_MANY_REDIRECTS") {
        FetchError::TooManyRedirects(0)
    } else {
        FetchError::Other(err.into())
    }
}
