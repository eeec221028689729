//! A small HTTP proxy between monoarch and the real registry that injects
//! faults on a schedule: error statuses, `Retry-After`, dropped connections,
//! answers without a `Location` header, and hostile peers a real registry
//! never is: endless chunked bodies, bodies trickling a byte at a time, and
//! answers that never come. One request per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the proxy does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Forward,
    /// Answer this status without asking the registry; `Some(s)`: `Retry-After: s`.
    Status(u16, Option<u32>),
    /// Close the connection without answering.
    Drop,
    /// Forward, then strip `Location` from the answer.
    ForwardWithoutLocation,
    /// Answer this status, extra headers and body without asking the registry.
    Respond(u16, Vec<(String, String)>, String),
    /// This status with `Transfer-Encoding: chunked` (no `Content-Length`) and
    /// this many bytes of body, sent as fast as the client reads them.
    Chunked(u16, u64),
    /// `200` announcing a 1 KiB manifest, then one byte per this many milliseconds.
    Trickle(u64),
    /// Read the request, then never answer (the connection stays open).
    Silence,
}

/// The request line (`PUT /v2/x/manifests/t`) and its number (from 0).
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub number: usize,
    /// Header lines as sent (`Name: value`), request line excluded.
    pub headers: &'a [String],
}

impl Request<'_> {
    /// The value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

type Rule = Box<dyn FnMut(&Request) -> Action + Send>;

pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<(String, Action)>>>,
    /// Body bytes the hostile actions managed to send.
    sent: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy in front of `127.0.0.1:upstream_port`, deciding each
    /// request with `rule`.
    pub fn start(
        upstream_port: u16,
        rule: impl FnMut(&Request) -> Action + Send + 'static,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let rule: Arc<Mutex<Rule>> = Arc::new(Mutex::new(Box::new(rule)));
        let (stop2, seen2, sent2) = (stop.clone(), seen.clone(), sent.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let peer = Peer {
                    upstream_port,
                    rule: rule.clone(),
                    seen: seen2.clone(),
                    stop: stop2.clone(),
                    sent: sent2.clone(),
                };
                thread::spawn(move || handle(conn, &peer));
            }
        });
        FaultProxy {
            port,
            stop,
            seen,
            sent,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Every request so far: `"METHOD /path"` and what the proxy did.
    pub fn seen(&self) -> Vec<(String, Action)> {
        self.seen.lock().expect("proxy log").clone()
    }

    /// Requests that got this fault action.
    pub fn count(&self, action: &Action) -> usize {
        self.seen().iter().filter(|(_, a)| a == action).count()
    }

    /// Body bytes sent by `Chunked` and `Trickle` answers before the client hung up.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

/// What one connection's thread shares with the proxy.
struct Peer {
    upstream_port: u16,
    rule: Arc<Mutex<Rule>>,
    seen: Arc<Mutex<Vec<(String, Action)>>>,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn handle(conn: TcpStream, peer: &Peer) {
    let (upstream_port, rule, seen, stop) =
        (peer.upstream_port, &peer.rule, &peer.seen, &peer.stop);
    let mut reader = BufReader::new(conn.try_clone().expect("clone stream"));
    let mut head = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        // One request per connection keeps the proxy simple.
        if lower.starts_with("connection:") {
            continue;
        }
        head.push(line);
    }
    let mut body = vec![0u8; content_length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request_line = head.first().cloned().unwrap_or_default();
    let mut words = request_line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let action = {
        let mut seen = seen.lock().expect("proxy log");
        let number = seen.len();
        let headers: Vec<String> = head
            .iter()
            .skip(1)
            .map(|l| l.trim_end().to_string())
            .collect();
        let action = (rule.lock().expect("rule"))(&Request {
            method,
            path,
            number,
            headers: &headers,
        });
        seen.push((format!("{method} {path}"), action.clone()));
        action
    };
    let mut client = conn;
    match action {
        Action::Chunked(code, total) => {
            let _ = write!(
                client,
                "HTTP/1.1 {code} Chunked\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            while sent < total && !stop.load(Ordering::SeqCst) {
                let n = chunk.len().min((total - sent) as usize);
                if write!(client, "{n:x}\r\n")
                    .and_then(|()| client.write_all(&chunk[..n]))
                    .and_then(|()| client.write_all(b"\r\n"))
                    .is_err()
                {
                    return; // the client hung up: what a capped reader does
                }
                sent += n as u64;
                peer.sent.fetch_add(n as u64, Ordering::SeqCst);
            }
            let _ = client.write_all(b"0\r\n\r\n");
        }
        Action::Trickle(millis) => {
            let _ = write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 1024\r\nConnection: close\r\n\r\n"
            );
            for _ in 0..1024 {
                if stop.load(Ordering::SeqCst) || client.write_all(b" ").is_err() {
                    return;
                }
                peer.sent.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(millis));
            }
        }
        Action::Silence => {
            // Hold the connection until the client gives up or the test ends.
            let deadline = Instant::now() + Duration::from_secs(600);
            let _ = client.set_read_timeout(Some(Duration::from_millis(100)));
            let mut byte = [0u8; 1];
            while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
                match client.read(&mut byte) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        }
        Action::Drop => {
            let _ = client.shutdown(Shutdown::Both);
        }
        Action::Status(code, retry_after) => {
            let retry = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            let body = format!(
                "{{\"errors\":[{{\"code\":\"UNAVAILABLE\",\"message\":\"injected {code}\"}}]}}"
            );
            let _ = write!(
                client,
                "HTTP/1.1 {code} Injected\r\nContent-Type: application/json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Action::Respond(code, headers, body) => {
            let extra: String = headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\r\n"))
                .collect();
            let _ = write!(
                client,
                "HTTP/1.1 {code} Answered\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Action::Forward | Action::ForwardWithoutLocation => {
            let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                return;
            };
            let mut request = head.concat();
            request.push_str("Connection: close\r\n\r\n");
            let _ = upstream.write_all(request.as_bytes());
            let _ = upstream.write_all(&body);
            let mut answer = Vec::new();
            let _ = upstream.read_to_end(&mut answer);
            if action == Action::ForwardWithoutLocation {
                answer = strip_header(&answer, "location");
            }
            let _ = client.write_all(&answer);
        }
    }
}

fn strip_header(answer: &[u8], name: &str) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer.to_vec();
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let kept: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with(&format!("{name}:")))
        .collect();
    let mut out = kept.join("\r\n").into_bytes();
    out.extend_from_slice(&answer[end..]);
    out
}
