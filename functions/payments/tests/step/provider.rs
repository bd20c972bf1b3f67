//! A recording stand-in for the payment company's HTTPS API (the one test double here: it
//! is a third party's endpoint). A tiny HTTP/1.1 server on 127.0.0.1:0 that records every
//! request and answers what the test chooses per call.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// One request the provider received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Value,
    /// 1 for the first request with its idempotency key, 2 for the second...
    pub attempt: usize,
}

impl Call {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// What to answer.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub delay: Duration,
}

impl Answer {
    pub fn new(status: u16, body: Value) -> Self {
        Answer {
            status,
            body,
            delay: Duration::ZERO,
        }
    }
}

type Decide = dyn Fn(&Call) -> Answer + Send + Sync;

pub struct Provider {
    url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Provider {
    /// A provider that answers each call with `decide(call)`.
    pub fn start(decide: impl Fn(&Call) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("local_addr: {e}"))
        );
        let calls = Arc::new(Mutex::new(Vec::new()));
        let decide: Arc<Decide> = Arc::new(decide);
        let recorded = calls.clone();
        // Accepts until the test process ends; each connection carries one request.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (calls, decide) = (recorded.clone(), decide.clone());
                std::thread::spawn(move || {
                    let _ = serve(&calls, decide.as_ref(), stream);
                });
            }
        });
        Provider { url, calls }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

fn serve(calls: &Mutex<Vec<Call>>, decide: &Decide, stream: TcpStream) -> std::io::Result<()> {
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
    let mut call = Call {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        attempt: 0,
    };
    // Numbering, deciding and recording under one lock: concurrent calls with one key get
    // distinct attempt numbers.
    let answer = {
        let mut calls = calls.lock().unwrap_or_else(|p| p.into_inner());
        let key = call.header("idempotency-key").to_owned();
        call.attempt = 1 + calls
            .iter()
            .filter(|c| c.header("idempotency-key") == key)
            .count();
        let answer = decide(&call);
        calls.push(call);
        answer
    };
    std::thread::sleep(answer.delay);
    let reply = answer.body.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        answer.status,
        reply.len()
    )?;
    stream.flush()
}
