//! A recording stand-in for the KakaoTalk-style provider: the one test double these tests
//! use, because it is a third party's endpoint. A tiny HTTP/1.1 server on 127.0.0.1:0 that
//! records every request and answers with the status the test chooses per call.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// One request the provider received, and what it answered.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Value,
    /// The `Idempotency-Key` header.
    pub key: String,
    /// 1 for the first request with this key, 2 for the second...
    pub attempt: usize,
    pub status: u16,
}

/// What to answer: a status code, after an optional delay.
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
}

impl From<u16> for Answer {
    fn from(status: u16) -> Self {
        Answer {
            status,
            delay: Duration::ZERO,
        }
    }
}

type Decide = dyn Fn(&Call) -> Answer + Send + Sync;

struct Inner {
    calls: Mutex<Vec<Call>>,
    decide: Box<Decide>,
}

pub struct Provider {
    url: String,
    inner: Arc<Inner>,
}

impl Provider {
    /// A provider that answers each call with `decide(call)` (`call.status` is not set yet).
    pub fn start<A: Into<Answer>>(decide: impl Fn(&Call) -> A + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("local_addr: {e}"))
        );
        let inner = Arc::new(Inner {
            calls: Mutex::new(Vec::new()),
            decide: Box::new(move |call| decide(call).into()),
        });
        let server = inner.clone();
        // Accepts until the test process ends; each connection carries one request.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = server.clone();
                std::thread::spawn(move || {
                    let _ = serve(&server, stream);
                });
            }
        });
        Provider { url, inner }
    }

    /// A provider that accepts everything.
    pub fn accepting() -> Self {
        Self::start(|_| 200)
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// The calls for one event id (its idempotency key).
    pub fn calls_for(&self, key: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.key == key).collect()
    }
}

fn serve(inner: &Inner, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;

    let key = headers.get("idempotency-key").cloned().unwrap_or_default();
    let mut call = Call {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        key,
        attempt: 0,
        status: 0,
    };
    // One lock around numbering, deciding and recording: concurrent calls with one key get
    // distinct attempt numbers.
    let answer = {
        let mut calls = inner.calls.lock().unwrap_or_else(|p| p.into_inner());
        call.attempt = 1 + calls.iter().filter(|c| c.key == call.key).count();
        let answer = (inner.decide)(&call);
        call.status = answer.status;
        calls.push(call);
        answer
    };
    std::thread::sleep(answer.delay);
    let reply = format!(r#"{{"status":{}}}"#, answer.status);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        answer.status,
        reply.len()
    )?;
    stream.flush()
}
