//! Length limits monday enforces on text, applied on our side so a long Zoho
//! customer name becomes a cut name instead of an `ItemNameTooLongException`.

/// monday's item name limit (1–255 characters).
pub const ITEM_NAME_MAX_CHARS: usize = 255;
/// monday's long_text limit.
pub const LONG_TEXT_MAX_CHARS: usize = 2_000;

/// Shown instead of an empty name, which monday rejects.
const UNTITLED: &str = "(untitled)";

/// A valid item name: trimmed, at most 255 characters (cut on a character
/// boundary, ending in `…` so readers see it was cut), never empty.
pub fn truncate_item_name(name: &str) -> String {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return UNTITLED.to_owned();
    }
    cut_with_ellipsis(trimmed, ITEM_NAME_MAX_CHARS)
}

/// Text for a long_text column, cut to 2,000 characters.
pub fn truncate_long_text(text: &str) -> String {
    cut_with_ellipsis(text, LONG_TEXT_MAX_CHARS)
}

fn cut_with_ellipsis(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}
