//! A real `vouch serve` process for the end-to-end tests that need one,
//! and HTTP/1.1 helpers to talk to it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One HTTP/1.1 exchange with an optional bearer token and typed body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> (u16, Vec<u8>) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = Vec::new();
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let bytes: &[u8] = match body {
        Some((content_type, b)) => {
            headers.push(("Content-Type", content_type));
            b
        }
        None => &[],
    };
    vouch_test_support::http::request(addr, method, path, &headers, bytes)
}

pub fn json_of(r: &(u16, Vec<u8>)) -> Value {
    serde_json::from_slice(&r.1).unwrap_or(Value::Null)
}

/// A running `vouch serve`, its address and, on first start, the admin token.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub admin: Option<String>,
}

impl Server {
    pub fn start(state: &Path, index: &Path, log: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .arg("--state")
            .arg(state)
            .args(["--database", "sqlite", "serve", "--listen", "127.0.0.1:0"])
            .arg("--index")
            .arg(index)
            .env("VOUCH_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start vouch serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let next = |what: &str| {
            rx.recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("vouch serve printed no {what}; see {}", log.display()))
        };
        let first = next("listening line");
        let url = first
            .split("http://")
            .nth(1)
            .unwrap_or_else(|| panic!("no URL in {first:?}"));
        let addr: SocketAddr = url.split('/').next().unwrap().parse().unwrap();
        // On first start, the administrator token follows at once.
        let admin = match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(line) if line.starts_with("first start:") => Some(next("admin token")),
            _ => None,
        };
        Server { child, addr, admin }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and reap.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM (graceful), then SIGKILL if it has not stopped in 20 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failing test must not leave the process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn token_for(addr: SocketAddr, admin: &str, official: &str) -> String {
    let r = http(
        addr,
        "POST",
        &format!("/v1/officials/{official}/tokens"),
        Some(admin),
        None,
    );
    assert_eq!(r.0, 201, "{official}: {:?}", json_of(&r));
    json_of(&r)["token"].as_str().unwrap().to_string()
}
