//! Connecting Zoho: the browser flow (start → consent → callback → choose) and the terminal
//! flow, against the sandbox's accounts server, with every redirect followed by hand.

use crate::helpers::{spawn_app_with, TestApp};
use ml_connector::zoho::connect_terminal::{self, ConnectOptions};
use sandbox::zoho::ZohoSandboxConfig;
use secrecy::ExposeSecret;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

const OTHER_ORG: &str = "20259999";

async fn app() -> TestApp {
    let app = spawn_app_with(ZohoSandboxConfig::default(), |c| {
        c.secrets.keys.insert(
            "1".into(),
            ml_connector::crypto::generate_key_base64().into(),
        );
        c.secrets.current_key = Some(1);
    })
    .await;
    // A second organization in the same data centre: the user must choose.
    app.setup
        .zoho
        .add_organization(OTHER_ORG, "Other Trading GmbH", "eu", "FREE");
    app
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn location(r: &reqwest::Response) -> url::Url {
    let l = r
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ascii");
    url::Url::parse(l).expect("absolute Location")
}

/// The flow's first two hops: `/oauth/zoho/start` and the (auto-approving) consent page.
/// Returns the browser cookie, the `state` sent to Zoho, and the callback URL Zoho redirected to,
/// re-addressed to the app (the configured public_url has port 0).
async fn start_and_consent(app: &TestApp) -> (String, String, String) {
    let client = no_redirects();
    let r = client
        .get(format!(
            "http://127.0.0.1:{}/oauth/zoho/start?connection=demo",
            app.port
        ))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 302);
    let cookie = r
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().expect("pair").to_string();
    let consent = location(&r);
    assert!(
        consent
            .as_str()
            .starts_with(app.setup.zoho.accounts_url("eu").as_str()),
        "{consent}"
    );
    let q: std::collections::HashMap<_, _> = consent.query_pairs().into_owned().collect();
    assert_eq!(
        (q["access_type"].as_str(), q["prompt"].as_str()),
        ("offline", "consent")
    );
    let state = q["state"].clone();
    let r = client.get(consent).send().await.expect("consent");
    assert_eq!(r.status(), 302);
    let back = location(&r);
    assert_eq!(back.path(), "/oauth/zoho/callback");
    let callback = format!(
        "http://127.0.0.1:{}{}?{}",
        app.port,
        back.path(),
        back.query().unwrap_or_default()
    );
    (cookie, state, callback)
}

fn form_value<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .expect("form field");
    &html[start..start + html[start..].find('"').expect("end quote")]
}

#[tokio::test]
async fn browser_flow_stores_the_chosen_organization_encrypted() {
    let app = app().await;
    let client = no_redirects();
    let (cookie, _state, callback) = start_and_consent(&app).await;

    let r = client
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("page");
    assert!(
        html.contains("Demo Trading Ltd") && html.contains("Other Trading GmbH"),
        "{html}"
    );
    let choice = form_value(&html, "choice").to_string();
    assert_eq!(app.setup.zoho.token_requests(), 1);

    // The same redirect again: the state was single use.
    let again = client
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("replay");
    assert_eq!(again.status(), 400);
    assert!(again.text().await.expect("page").contains("already used"));
    assert_eq!(
        app.setup.zoho.token_requests(),
        1,
        "a replayed state must not reach Zoho"
    );

    let choose = |org: &str| {
        client
            .post(format!("http://127.0.0.1:{}/oauth/zoho/choose", app.port))
            .header("cookie", &cookie)
            .form(&[("choice", choice.as_str()), ("organization_id", org)])
            .send()
    };
    // Not the organization this connection is configured for: refused, nothing stored.
    let r = choose(OTHER_ORG).await.expect("choose other");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page").replace("&quot;", "\"");
    assert!(
        page.contains(&format!("organization_id = \"{OTHER_ORG}\"")),
        "{page}"
    );
    assert!(app
        .rt
        .store
        .connection_row("demo")
        .await
        .expect("row")
        .is_none_or(|r| r.refresh_token_ct.is_none()));
    // Another browser cannot complete it.
    let r = client
        .post(format!("http://127.0.0.1:{}/oauth/zoho/choose", app.port))
        .header("cookie", "mlc_oauth=someone-else")
        .form(&[("choice", choice.as_str()), ("organization_id", app.org())])
        .send()
        .await
        .expect("choose");
    assert_eq!(r.status(), 400);

    let r = choose(app.org()).await.expect("choose");
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("page")
        .contains("Zoho Books connected"));
    assert_eq!(
        choose(app.org()).await.expect("again").status(),
        400,
        "a choice is single use"
    );

    let row = app
        .rt
        .store
        .connection_row("demo")
        .await
        .expect("row")
        .expect("stored");
    assert_eq!(
        (
            row.organization_id.as_deref(),
            row.data_centre.as_deref(),
            row.key_version
        ),
        (Some(app.org()), Some("eu"), Some(1))
    );
    assert_eq!(row.status, "active");
    let ct = row.refresh_token_ct.expect("ciphertext");
    assert!(
        !ct.windows(5).any(|w| w == b"1000."),
        "refresh token stored in clear"
    );

    // The stored token is the one used from now on: the one in the file can go.
    app.setup
        .zoho
        .revoke_refresh_token(&app.setup.refresh_token);
    let conn = app.rt.connection("demo").expect("connection");
    conn.zoho.tokens.forget().await;
    assert!(
        conn.zoho.tokens.access_token().await.is_ok(),
        "the connected grant is not used"
    );
}

#[tokio::test]
async fn callback_refuses_an_accounts_server_outside_the_allow_list_before_any_token_request() {
    let app = app().await;
    let client = no_redirects();
    let (cookie, state, callback) = start_and_consent(&app).await;
    let callback_url = |server: &str| {
        let mut u = url::Url::parse(&format!(
            "http://127.0.0.1:{}/oauth/zoho/callback",
            app.port
        ))
        .expect("url");
        u.query_pairs_mut()
            .append_pair("code", "1000.aaaa.bbbb")
            .append_pair("state", &state)
            .append_pair("location", "eu")
            .append_pair("accounts-server", server);
        u
    };
    // Without the starting browser's cookie: refused, and the state stays usable by its owner.
    let r = client
        .get(callback_url("https://evil.example"))
        .send()
        .await
        .expect("no cookie");
    assert_eq!(r.status(), 400);

    let r = client
        .get(callback_url("http://169.254.169.254"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("evil");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(
        page.replace("&#39;", "'")
            .contains("not an accepted Zoho accounts server (accepted: "),
        "{page}"
    );
    assert_eq!(
        app.setup.zoho.token_requests(),
        0,
        "the client secret went to a host outside the allow-list"
    );

    // The refused attempt used the state up; the genuine redirect now fails too.
    let r = client
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("late");
    assert_eq!(r.status(), 400);
    assert_eq!(app.setup.zoho.token_requests(), 0);
}

#[tokio::test]
async fn callback_refuses_an_api_domain_outside_the_allow_list() {
    let app = app().await;
    let evil = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let evil_url =
        url::Url::parse(&format!("http://{}", evil.local_addr().expect("addr"))).expect("url");
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    tokio::spawn(async move {
        while evil.accept().await.is_ok() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    app.setup.zoho.answer_api_domain(Some(evil_url));
    let (cookie, _state, callback) = start_and_consent(&app).await;
    let r = no_redirects()
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .expect("page")
        .contains("refusing to send the access token there"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the access token was sent outside the allow-list"
    );
    assert!(app
        .rt
        .store
        .connection_row("demo")
        .await
        .expect("row")
        .is_none_or(|r| r.refresh_token_ct.is_none()));
}

/// Terminal input fed line by line from the test, and output the test can watch.
struct Lines(mpsc::Receiver<String>, Vec<u8>);
impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1.is_empty() {
            match self.0.recv() {
                Ok(line) => self.1 = line.into_bytes(),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.1.len());
        buf[..n].copy_from_slice(&self.1[..n]);
        self.1.drain(..n);
        Ok(n)
    }
}
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);
impl Write for Screen {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("screen").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Screen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("screen")).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terminal_flow_reads_the_pasted_redirect_and_asks_for_the_organization() {
    let app = app().await;
    app.rt
        .store
        .set_connection_status(
            "demo",
            "needs_reconnect",
            Some("the Zoho refresh token was rejected"),
            0,
        )
        .await
        .expect("status");
    let (tx, rx) = mpsc::channel();
    let screen = Screen::default();
    let (config, clock, mut out) = (app.rt.config.clone(), app.rt.clock.clone(), screen.clone());
    let opts = ConnectOptions {
        connection: "demo".into(),
        ..Default::default()
    };
    // The terminal flow reads its input with blocking reads, as from a real terminal: run it on
    // a thread and runtime of its own, so a blocked read never holds one of this runtime's
    // workers (the sandbox answers on them).
    let run = tokio::task::spawn_blocking(move || {
        let mut input = BufReader::new(Lines(rx, Vec::new()));
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(connect_terminal::run(
                &config, &clock, &opts, &mut input, &mut out,
            ))
    });
    let consent = loop {
        let text = screen.text();
        if let Some(line) = text
            .lines()
            .map(str::trim)
            .find(|l| l.contains("/oauth/v2/auth?"))
        {
            break url::Url::parse(line).expect("consent url");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let r = no_redirects().get(consent).send().await.expect("consent");
    tx.send(format!("{}\n", location(&r))).expect("paste");
    while !screen.text().contains("Enter 1-2") {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tx.send("3\n".into()).expect("answer");
    tx.send("1\n".into()).expect("answer");
    let chosen = run.await.expect("task").expect("connect");
    let text = screen.text();
    assert_eq!(chosen, app.org(), "{text}");
    assert!(
        text.contains("`3` is not a number between 1 and 2"),
        "{text}"
    );
    assert!(
        text.contains("Connected demo to \"Demo Trading Ltd\""),
        "{text}"
    );
    let row = app
        .rt
        .store
        .connection_row("demo")
        .await
        .expect("row")
        .expect("row");
    assert_eq!(
        (row.status.as_str(), row.key_version),
        ("active", Some(1)),
        "reconnect clears needs_reconnect"
    );
}

#[tokio::test]
async fn self_client_grant_code_with_the_organization_named() {
    let app = app().await;
    let code = app
        .setup
        .zoho
        .issue_grant_code(&app.setup.client_id, &[app.org(), OTHER_ORG], "eu");
    let opts = ConnectOptions {
        connection: "second".into(),
        grant_code: Some(code.clone()),
        data_centre: Some(zoho_books::DataCentre::Eu),
        organization: Some(OTHER_ORG.into()),
    };
    let mut out = Vec::new();
    let org = connect_terminal::run(
        &app.rt.config,
        &app.rt.clock,
        &opts,
        &mut std::io::empty(),
        &mut out,
    )
    .await
    .expect("connect");
    let text = String::from_utf8_lossy(&out);
    assert_eq!(org, OTHER_ORG);
    assert!(
        text.contains("Connection second is not in your configuration yet")
            && text.contains(&format!("organization_id = \"{OTHER_ORG}\"")),
        "{text}"
    );
    assert!(!text.contains("1000."), "a token was printed: {text}");

    // A code is single use: Zoho's invalid_code comes back as a clear error.
    let err = connect_terminal::run(
        &app.rt.config,
        &app.rt.clock,
        &opts,
        &mut std::io::empty(),
        &mut Vec::new(),
    )
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("invalid_code"), "{err:#}");

    // Several organizations and none named, with no terminal to ask on: no silent choice.
    let opts = ConnectOptions {
        grant_code: Some(app.setup.zoho.issue_grant_code(
            &app.setup.client_id,
            &[app.org(), OTHER_ORG],
            "eu",
        )),
        organization: None,
        ..opts
    };
    let err = connect_terminal::run(
        &app.rt.config,
        &app.rt.clock,
        &opts,
        &mut std::io::empty(),
        &mut Vec::new(),
    )
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("--organization"), "{err:#}");
    let stored = app
        .rt
        .store
        .connection_row("second")
        .await
        .expect("row")
        .expect("row");
    let ring = ml_connector::crypto::Keyring::from_config(&app.rt.config.secrets).expect("keys");
    let token = ml_connector::zoho::secrets::open_row(&ring, &stored)
        .expect("open")
        .expect("token");
    assert!(token.expose_secret().starts_with("1000."));
}
