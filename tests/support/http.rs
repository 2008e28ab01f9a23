//! Just enough HTTP/1.1 for the end-to-end test: a blocking client (one request per connection,
//! `Connection: close`) to talk to ChromeDriver, and a static file server for the built page.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A response: status code, headers and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole response; `timeout` bounds each read and write.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    timeout: Duration,
) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    // ChromeDriver answers `Connection: close` but keeps the socket open, so the body's end is
    // found from its framing (Content-Length or chunks), not from the connection closing.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        raw.extend_from_slice(&buf[..n]);
        if let Some(response) = parse_response(&raw, n == 0) {
            return Ok(response);
        }
        if n == 0 {
            let start = String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned();
            let message = format!("malformed or truncated HTTP response: {start:?}");
            return Err(io::Error::new(io::ErrorKind::InvalidData, message));
        }
    }
}

/// Parses a complete response, or returns `None` while more bytes are needed (or, at the end of
/// the stream, when they are malformed). A body without framing ends with the stream.
fn parse_response(raw: &[u8], at_end: bool) -> Option<Response> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .map(|line| {
            line.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &raw[head_end + 4..];
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    response.body = match (chunked, length) {
        (true, _) => decode_chunked(rest)?,
        (false, Some(n)) => rest.get(..n)?.to_vec(),
        (false, None) if at_end => rest.to_vec(),
        (false, None) => return None,
    };
    Some(response)
}

fn decode_chunked(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Asks the OS for a free port on loopback. Another process could take it before it is used,
/// which is unlikely enough on a test machine to accept for ChromeDriver's `--port`.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Serves the files under a directory on 127.0.0.1 (a random free port) until dropped.
pub struct StaticServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    log: Log,
    gate: Gate,
}

/// Requests whose path contains the text held here wait until it is cleared (the test of the
/// pre-rendered page holds the app's module back to act before it arrives); every request's
/// path in the order they arrived.
#[derive(Default)]
struct Held {
    part: Option<String>,
    arrived: Vec<String>,
}
type Gate = Arc<(Mutex<Held>, Condvar)>;

/// How long a held request waits at most: a test that forgets to release fails, never hangs.
const HOLD_AT_MOST: Duration = Duration::from_secs(180);

/// What the server sent: each request's path and the bytes of its body, in order.
type Log = Arc<Mutex<Vec<(String, usize)>>>;

impl StaticServer {
    pub fn start(root: &Path) -> io::Result<StaticServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let log = Log::default();
        let gate = Gate::default();
        let thread = thread::spawn({
            let stop = Arc::clone(&stop);
            let log = Arc::clone(&log);
            let gate = Arc::clone(&gate);
            move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // One thread per connection: Chromium opens spare connections that may
                    // never carry a request, and those must not block the others.
                    if let Ok(stream) = stream {
                        let root = root.clone();
                        let log = Arc::clone(&log);
                        let gate = Arc::clone(&gate);
                        thread::spawn(move || serve_one(stream, &root, &log, &gate));
                    }
                }
            }
        });
        Ok(StaticServer {
            addr,
            stop,
            thread: Some(thread),
            log,
            gate,
        })
    }

    /// Holds every request whose path contains `part` until [`StaticServer::release`].
    #[allow(dead_code)] // only the pre-render's test holds requests
    pub fn hold(&self, part: &str) {
        if let Ok(mut held) = self.gate.0.lock() {
            held.part = Some(part.to_string());
        }
    }

    /// Lets the held requests (and the next ones) through.
    #[allow(dead_code)]
    pub fn release(&self) {
        if let Ok(mut held) = self.gate.0.lock() {
            held.part = None;
        }
        self.gate.1.notify_all();
    }

    /// The path of every request so far, in the order they arrived (held ones included).
    #[allow(dead_code)]
    pub fn arrived(&self) -> Vec<String> {
        self.gate
            .0
            .lock()
            .map(|h| h.arrived.clone())
            .unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every request answered so far: its path (without the query) and the body's bytes
    /// (0 for a 404), in the order the answers were written.
    #[allow(dead_code)] // only the embedding test reads the network log
    pub fn served(&self) -> Vec<(String, usize)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag; connection threads end on their own
        // through their read timeouts.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, root: &Path, log: &Log, gate: &Gate) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if !method.is_empty() {
        let path = target.split(['?', '#']).next().unwrap_or("").to_string();
        let (lock, released) = &**gate;
        if let Ok(mut held) = lock.lock() {
            held.arrived.push(path.clone());
            let _ = released.wait_timeout_while(held, HOLD_AT_MOST, |h| {
                h.part
                    .as_ref()
                    .is_some_and(|part| path.contains(part.as_str()))
            });
        }
    }
    let file = if method == "GET" || method == "HEAD" {
        resolve(root, target)
    } else {
        None
    };
    let found = file
        .as_ref()
        .and_then(|f| fs::read(f).ok().map(|body| (f, body)));
    if !method.is_empty() {
        let path = target.split(['?', '#']).next().unwrap_or("").to_string();
        let bytes = found.as_ref().map_or(0, |(_, body)| body.len());
        if let Ok(mut log) = log.lock() {
            log.push((path, bytes));
        }
    }
    let response = match found {
        Some((file, body)) => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
                 Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type(file),
                body.len()
            )
            .into_bytes();
            if method == "GET" {
                out.extend_from_slice(&body);
            }
            out
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = stream.write_all(&response);
}

/// Maps a request target to a file under `root`, refusing anything that would leave it.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let path = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Browsers insist on `application/wasm` for streaming compilation and on a JavaScript type for
/// module scripts, so these types matter; the rest is for completeness.
pub fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "yaml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_files_with_their_content_types_and_nothing_outside_the_root() {
        let dir = super::super::TempDir::new("svcplay-http-test").unwrap();
        fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
        fs::write(dir.path().join("app_bg.wasm"), b"\0asm").unwrap();
        let server = StaticServer::start(dir.path()).unwrap();
        let get =
            |path: &str| request(server.addr, "GET", path, "", Duration::from_secs(5)).unwrap();

        let index = get("/");
        assert_eq!(
            (index.status, index.body.as_slice()),
            (200, &b"<p>hi</p>"[..])
        );
        assert_eq!(
            index.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let wasm = get("/app_bg.wasm?v=1");
        assert_eq!((wasm.status, wasm.body.as_slice()), (200, &b"\0asm"[..]));
        assert_eq!(wasm.header("Content-Type"), Some("application/wasm"));
        assert_eq!(get("/missing.js").status, 404);
        assert_eq!(get("/../etc/passwd").status, 404);
        assert_eq!(get("/%2e%2e/etc/passwd").status, 404);
    }

    #[test]
    fn reads_framed_bodies_and_waits_for_incomplete_ones() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        let response = parse_response(raw, false).unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"{\"a\":1}"[..])
        );
        assert!(parse_response(&raw[..raw.len() - 5], false).is_none());
        let framed = b"HTTP/1.1 200 OK\r\nContent-Length:4\r\nConnection:close\r\n\r\nabcd";
        assert_eq!(parse_response(framed, false).unwrap().body, b"abcd");
        assert!(parse_response(&framed[..framed.len() - 1], false).is_none());
    }
}
