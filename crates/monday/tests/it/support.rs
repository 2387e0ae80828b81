//! Shared fixtures: a board as monday returns it, and a tiny HTTP responder
//! standing in for monday (no web framework in this crate).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use monday::Board;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A board with one column of each type; the status settings come as an
/// object and the dropdown settings as a JSON string (both shapes occur).
pub fn board_json() -> Value {
    json!({
        "id": "1234567890",
        "name": "Invoices",
        "columns": [
            {"id": "name", "title": "Name", "type": "name", "settings": {}},
            {"id": "text_zoho_id", "title": "Zoho ID", "type": "text", "settings": {}},
            {"id": "notes", "title": "Notes", "type": "long_text", "settings": {}},
            {"id": "numbers", "title": "Total", "type": "numbers", "settings": {}},
            {"id": "date", "title": "Due", "type": "date", "settings": {}},
            {"id": "status", "title": "Status", "type": "status", "settings": {"labels": [
                {"id": 0, "label": "Working on it", "index": 0},
                {"id": 1, "label": "Sent", "index": 1},
                {"id": 7, "label": "2023", "index": 2},
                {"id": 9, "label": "Old", "index": 3, "is_deactivated": true}
            ]}},
            {"id": "dropdown", "title": "Tags", "type": "dropdown",
             "settings": "{\"labels\":[{\"id\":1,\"name\":\"Retail\"},{\"id\":2,\"name\":\"Wholesale\"}]}"},
            {"id": "email", "title": "Email", "type": "email", "settings": {}},
            {"id": "link", "title": "Link", "type": "link", "settings": {}},
            {"id": "phone", "title": "Phone", "type": "phone", "settings": {}},
            {"id": "country", "title": "Country", "type": "country", "settings": {}},
            {"id": "timeline", "title": "Period", "type": "timeline", "settings": {}},
            {"id": "checkbox", "title": "Paid", "type": "checkbox", "settings": {}},
            {"id": "people", "title": "Owner", "type": "people", "settings": {}},
            {"id": "connect", "title": "Customer", "type": "board_relation", "settings": {"boardIds": [111]}},
            {"id": "subitems", "title": "Lines", "type": "subtasks", "settings": {"boardIds": [9876543210u64]}},
            {"id": "mirror", "title": "Mirror", "type": "mirror", "settings": {}}
        ],
        "groups": [{"id": "topics", "title": "Open"}]
    })
}

pub fn board() -> Board {
    Board::from_json(&board_json()).expect("fixture board parses")
}

/// One canned HTTP response.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (to provoke client timeouts).
    pub delay: Duration,
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request as the fake monday received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// Serve the responses in order, one per connection, recording requests.
/// Returns the URL and the record.
pub async fn serve(responses: Vec<Canned>) -> (url::Url, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let record = received.clone();
    tokio::spawn(async move {
        for canned in responses {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let Some(req) = read_request(&mut sock).await else {
                return;
            };
            record.lock().expect("record").push(req);
            tokio::time::sleep(canned.delay).await;
            let mut out = format!(
                "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                canned.status,
                canned.body.len()
            );
            for (k, v) in &canned.headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&canned.body);
            let _ = sock.write_all(out.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    let url = url::Url::parse(&format!("http://{addr}/v2")).expect("url");
    (url, received)
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body =
                    serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap_or(Value::Null);
                return Some(Received { head, body });
            }
        }
    }
}
