//! API versions as of 2026-11 (§1): the `API-Version` header and `version { kind value }`.

/// What a request without an `API-Version` header gets.
pub(crate) const CURRENT: &str = "2026-10";
const MAINTENANCE: &str = "2026-07";

/// Versions still served (oldest first); older well-formed versions are routed to maintenance.
pub(crate) const ALL: &[&str] = &[
    "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "2027-01",
];

/// The version a request is served as, or `Err(message)` for a malformed header
/// (`InvalidVersionException`).
pub(crate) fn negotiate(header: Option<&str>) -> Result<&'static str, String> {
    let Some(raw) = header.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(CURRENT);
    };
    if raw == "dev" {
        return Ok("dev");
    }
    let well_formed = raw.len() == 7
        && raw[..4].chars().all(|c| c.is_ascii_digit())
        && matches!(&raw[4..], "-01" | "-04" | "-07" | "-10");
    if !well_formed {
        return Err(format!(
            "The API version '{raw}' is invalid. Use the format YYYY-MM with MM one of 01, 04, 07, 10, or 'dev'"
        ));
    }
    if let Some(known) = ALL.iter().find(|v| **v == raw) {
        return Ok(known);
    }
    // Deprecated versions go to maintenance; well-formed future ones get current.
    Ok(if raw < ALL[0] { MAINTENANCE } else { CURRENT })
}

/// The `VersionKind` of a served version.
pub(crate) fn kind(value: &str) -> &'static str {
    match value {
        CURRENT => "current",
        MAINTENANCE => "maintenance",
        "2027-01" => "release_candidate",
        "dev" => "dev",
        "2026-04" => "previous_maintenance",
        _ => "deprecated",
    }
}

/// The served version as a `'static` value for `version { value }`.
pub(crate) fn canonical(value: &str) -> &'static str {
    match value {
        "dev" => "dev",
        v => ALL.iter().find(|a| **a == v).copied().unwrap_or(CURRENT),
    }
}
