use super::*;

fn config() -> Config {
    Config::from_toml_str("[zoho]\nclient_id = \"1000.X\"\nclient_secret = \"s\"\n")
        .expect("config")
}

fn org(id: &str) -> Organization {
    Organization {
        organization_id: id.into(),
        name: format!("Org {id}"),
        is_default_org: id == "2",
        plan_name: None,
        currency_code: None,
        time_zone: None,
    }
}

#[test]
fn parses_pasted_redirects() {
    let r = Redirect::from_pasted(
        "https://connector.example.com/oauth/zoho/callback?state=abc&code=1000.x.y&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu",
    );
    assert_eq!(r.code_for("abc").unwrap(), "1000.x.y");
    assert_eq!(
        r.data_centre(&config(), DataCentre::Us).unwrap(),
        DataCentre::Eu
    );
    assert!(matches!(
        r.code_for("abd"),
        Err(ConnectError::StateMismatch)
    ));
    let bare = Redirect::from_pasted("code=1000.a&state=s");
    assert_eq!(bare.code_for("s").unwrap(), "1000.a");
    assert_eq!(
        bare.data_centre(&config(), DataCentre::In).unwrap(),
        DataCentre::In
    );
    assert!(matches!(
        Redirect::from_pasted("?error=access_denied&state=s").code_for("s"),
        Err(ConnectError::Denied(_))
    ));
    assert!(matches!(
        Redirect::from_pasted("?state=s").code_for("s"),
        Err(ConnectError::NoCode)
    ));
    assert!(matches!(
        Redirect::from_pasted("?code=c").code_for("s"),
        Err(ConnectError::StateMismatch)
    ));
}

#[test]
fn refuses_accounts_servers_outside_the_allow_list() {
    for bad in [
        "https://evil.example",
        "http://127.0.0.1:9",
        "http://169.254.169.254",
        "http://[::ffff:127.0.0.1]",
        "https://accounts.zoho.eu.evil.example",
    ] {
        let r = Redirect {
            accounts_server: Some(bad.into()),
            ..Default::default()
        };
        let e = r.data_centre(&config(), DataCentre::Us).unwrap_err();
        assert!(
            matches!(e, ConnectError::UnknownAccountsServer(..)),
            "{bad}: {e}"
        );
    }
    let r = Redirect {
        accounts_server: Some("https://accounts.zoho.eu".into()),
        location: Some("in".into()),
        ..Default::default()
    };
    assert!(matches!(
        r.data_centre(&config(), DataCentre::Us),
        Err(ConnectError::LocationMismatch { .. })
    ));
    let r = Redirect {
        location: Some("uk".into()),
        ..Default::default()
    };
    assert!(matches!(
        r.data_centre(&config(), DataCentre::Us),
        Err(ConnectError::UnknownLocation(_))
    ));
}

#[test]
fn never_picks_silently_among_several() {
    let orgs = [org("1"), org("2")];
    assert!(
        choose(&orgs, None).unwrap().is_none(),
        "the default org must not be chosen silently"
    );
    assert_eq!(
        choose(&orgs, Some("2")).unwrap().unwrap().organization_id,
        "2"
    );
    let e = choose(&orgs, Some("3")).unwrap_err().to_string();
    assert!(e.contains("\"Org 1\" (1)"), "{e}");
    assert_eq!(
        choose(&orgs[..1], None).unwrap().unwrap().organization_id,
        "1"
    );
}

#[test]
fn consent_url_asks_for_a_refresh_token() {
    let url = consent_url(&config(), &reqwest::Client::new(), DataCentre::Eu, "st").unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.host_str(), Some("accounts.zoho.eu"));
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["state"], "st");
    assert_eq!(
        q["redirect_uri"],
        "http://127.0.0.1:8080/oauth/zoho/callback"
    );
    assert!(!url.as_str().contains("client_secret"));
}
