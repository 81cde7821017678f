//! Publishing against APIs that misbehave on the wire: answers cut short,
//! answers trickled a byte at a time, error bodies that quote the token.
//! A raw TCP stub on loopback plays a script of answers, one per
//! connection, which an HTTP mock library cannot do (it always sends whole,
//! well-formed answers).

use super::ci_env::Secret;
use super::retry::Timing;
use super::{github, gitlab, PublishError};
use base64::Engine as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "glpat-S3CRET/t0ken+x";

/// How the stub answers one connection.
#[derive(Clone)]
enum Answer {
    /// A complete answer.
    Whole(u16, String),
    /// Headers promise the body, but only its first half is sent.
    Cut(String),
    /// Headers, then one body byte every 200 ms, forever.
    Trickle,
}

/// The stub: its address and the request lines it received.
struct Stub {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn stub(script: Vec<Answer>) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for (stream, answer) in listener.incoming().flatten().zip(script) {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let _ = serve(stream, &answer, &seen);
            });
        }
    });
    Stub { url, requests }
}

fn serve(stream: TcpStream, answer: &Answer, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    seen.lock().unwrap().push(line.trim().to_string());
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    std::io::Read::read_exact(&mut reader, &mut body)?;
    let mut out = stream;
    let head = |status: u16, len: usize| {
        format!("HTTP/1.1 {status} Stub\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match answer {
        Answer::Whole(status, body) => {
            out.write_all(head(*status, body.len()).as_bytes())?;
            out.write_all(body.as_bytes())?;
        }
        Answer::Cut(body) => {
            out.write_all(head(200, body.len()).as_bytes())?;
            out.write_all(&body.as_bytes()[..body.len() / 2])?;
            out.flush()?;
            out.shutdown(std::net::Shutdown::Both)?;
        }
        Answer::Trickle => {
            out.write_all(head(200, 1 << 20).as_bytes())?;
            loop {
                out.write_all(b" ")?;
                out.flush()?;
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    out.flush()
}

fn timing() -> Timing {
    Timing {
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
        poll_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
    }
}

fn methods(stub: &Stub) -> Vec<String> {
    stub.requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.split(' ').next().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_note_list_is_retried_not_read_as_no_note() {
    let list = r#"[{"id": 7, "system": false, "body": "<!-- scangate -->"}]"#;
    let stub = stub(vec![
        Answer::Cut(list.into()),
        Answer::Whole(200, list.into()),
        Answer::Whole(200, r#"{"id": 7}"#.into()),
    ]);
    let gl = gitlab::Publisher::new(&stub.url, "1", &Secret::new(TOKEN), timing()).unwrap();
    let action = gl
        .upsert_note(3, "body", "<!-- scangate -->")
        .await
        .unwrap();
    assert_eq!(action, gitlab::NoteAction::Updated(7));
    assert_eq!(methods(&stub), ["GET", "GET", "PUT"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_comment_list_is_retried_not_read_as_no_comment() {
    let list = r#"[{"id": 9, "body": "<!-- scangate -->"}]"#;
    let stub = stub(vec![
        Answer::Cut(list.into()),
        Answer::Whole(200, list.into()),
        Answer::Whole(200, r#"{"id": 9}"#.into()),
    ]);
    let gh = github::Publisher::new(&stub.url, &Secret::new(TOKEN), "o", "r", timing()).unwrap();
    let action = gh
        .upsert_comment(3, "body", "<!-- scangate -->")
        .await
        .unwrap();
    assert_eq!(action, github::CommentAction::Updated(9));
    assert_eq!(methods(&stub), ["GET", "GET", "PATCH"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_is_not_a_list_is_an_error_not_an_empty_list() {
    let stub = stub(vec![Answer::Whole(200, "<html>proxy</html>".into())]);
    let gl = gitlab::Publisher::new(&stub.url, "1", &Secret::new(TOKEN), timing()).unwrap();
    let err = gl.upsert_note(3, "body", "m").await.unwrap_err();
    assert!(err.to_string().contains("not a JSON list"), "{err}");
    assert_eq!(methods(&stub), ["GET"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_api_is_given_up_on_within_the_deadline() {
    let stub = stub(vec![Answer::Trickle; 3]);
    let gl = gitlab::Publisher::new(&stub.url, "1", &Secret::new(TOKEN), timing()).unwrap();
    let started = Instant::now();
    let err = gl.upsert_note(3, "body", "m").await.unwrap_err();
    // Three attempts of one second each, and short backoffs.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, PublishError::Unreachable(_)), "{err}");
    assert!(
        err.to_string().contains("no complete answer within 1s"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_bodies_quoting_the_token_are_masked_in_every_encoding() {
    let b64 = base64::engine::general_purpose::STANDARD;
    let echo = format!(
        r#"{{"message": "bad token {TOKEN} / {} / {}"}}"#,
        b64.encode(format!("x-access-token:{TOKEN}")),
        "glpat-S3CRET%2ft0ken%2bx"
    );
    for github in [false, true] {
        let stub = stub(vec![Answer::Whole(401, echo.clone())]);
        let err = if github {
            github::Publisher::new(&stub.url, &Secret::new(TOKEN), "o", "r", timing())
                .unwrap()
                .upsert_comment(3, "b", "m")
                .await
                .unwrap_err()
        } else {
            gitlab::Publisher::new(&stub.url, "1", &Secret::new(TOKEN), timing())
                .unwrap()
                .upsert_note(3, "b", "m")
                .await
                .unwrap_err()
        };
        let shown = err.to_string();
        assert!(shown.contains("bad token *** / "), "{shown}");
        assert_eq!(shown.matches("***").count(), 3, "{shown}");
        assert!(!shown.contains("S3CRET"), "{shown}");
        let basic = b64.encode(format!("x-access-token:{TOKEN}"));
        assert!(!shown.contains(&basic[20..]), "{shown}");
    }
}
