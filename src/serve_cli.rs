//! `svcplay serve [--port N] [--address ADDR] [--dir DIR]`: the built page over HTTP, for
//! a workshop laptop with no web server (the page does not work from `file://`: browsers
//! refuse to load its wasm and worker from there).
//!
//! A small HTTP/1.1 server on `std::net`: GET and HEAD of the files under DIR (`dist/`
//! by default, what `trunk build --release` writes), `/` and directories answered with
//! their `index.html`, the MIME types a browser insists on (`application/wasm` for
//! `WebAssembly.instantiateStreaming`, `text/javascript` for modules), one thread per
//! connection, nothing outside DIR (no `..`, no symbolic link leading out). It listens
//! on 127.0.0.1 unless `--address` says otherwise (`0.0.0.0` lets the room's phones open
//! the presenter's QR code). The first line on stdout is the URL, with the port the
//! system chose for `--port 0`.

use clap::Args;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The port (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on (127.0.0.1: this computer only).
    #[arg(long, default_value = "127.0.0.1")]
    address: String,
    /// The built page (`trunk build --release` writes it to dist/).
    #[arg(long, value_name = "DIR", default_value = "dist")]
    dir: String,
}

const USAGE: u8 = 2;
const FAILED: u8 = 1;

/// The Content-Type of a file, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        "yaml" | "yml" => "text/yaml; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub fn run(args: ServeArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let root = match std::fs::canonicalize(&args.dir) {
        Ok(r) if r.join("index.html").is_file() => r,
        _ => {
            let _ = writeln!(
                err,
                "error: {:?} holds no built page (index.html): build it with `trunk build --release` (or scripts/serve.sh), or give --dir DIR",
                args.dir
            );
            return USAGE;
        }
    };
    let listener = match TcpListener::bind((args.address.as_str(), args.port)) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(
                err,
                "error: cannot listen on {}:{}: {e}",
                args.address, args.port
            );
            return FAILED;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let host = if args.address.contains(':') {
        format!("[{}]", args.address)
    } else {
        args.address.clone()
    };
    let _ = writeln!(out, "http://{host}:{port}/");
    let _ = writeln!(out, "serving {} (Ctrl+C stops)", root.display());
    let _ = out.flush();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
    0
}

/// `%41` → `A`; `None` when the escape is broken or the result is not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
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

/// The file a request path names under `root`, or `None` when it is outside or absent.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains('\\') || p.contains('\0') => return None,
            p => file.push(p),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let real = std::fs::canonicalize(&file).ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.by_ref().take(8192).read_line(&mut request)?;
    // The headers are read and ignored (up to the blank line, at most 64 KiB).
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.by_ref().take(8192).read_line(&mut line)?;
        total += n;
        if n == 0 || line == "\r\n" || line == "\n" || total > 65536 {
            break;
        }
    }
    let mut words = request.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"only GET and HEAD\n",
            false,
        );
    }
    match resolve(root, target) {
        Some(file) => match std::fs::read(&file) {
            Ok(body) => respond(&mut stream, "200 OK", content_type(&file), &body, head),
            Err(_) => respond(
                &mut stream,
                "500 Internal Server Error",
                "text/plain; charset=utf-8",
                b"cannot read the file\n",
                head,
            ),
        },
        None => respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"not found\n",
            head,
        ),
    }
}
