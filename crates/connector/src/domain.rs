//! Small domain types that are parsed once and then passed around instead of bare strings, so a
//! board id cannot be handed where a connection id is expected.
//!
//! Each is a transparent string: stored, serialized and logged as the text it wraps, and
//! borrowable as `&str` so maps keyed by it can be looked up with a plain string.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use zoho_books::DocumentKind;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_id!(
    /// A configured connection (one Zoho organization and its monday account): the tenant.
    ConnectionId
);
string_id!(
    /// A monday board, as monday's numeric id in text.
    BoardId
);
string_id!(
    /// A Zoho Books document (`invoice_id`, `bill_id`, `purchaseorder_id`).
    DocumentId
);

/// The queue's key for one document of one connection: jobs sharing it never run at the same
/// time, and a document's history (`trace`) is found by it. Built here and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentKey(String);

impl DocumentKey {
    pub fn new(connection: &str, kind: DocumentKind, id: &str) -> Self {
        Self(format!("{connection}:{}:{id}", kind.as_str()))
    }

    /// The key of a connection's reconciliation poll for one kind (one poll at a time).
    pub fn reconcile(connection: &str, kind: DocumentKind) -> Self {
        Self(format!("{connection}:reconcile:{}", kind.as_str()))
    }

    /// The prefix every document key of this connection and kind starts with.
    pub fn prefix(connection: &str, kind: DocumentKind) -> String {
        format!("{connection}:{}:", kind.as_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn ids_look_up_by_plain_strings_and_serialize_as_text() {
        let mut m = HashMap::new();
        m.insert(ConnectionId::new("acme"), 1);
        assert_eq!(m.get("acme"), Some(&1));
        assert_eq!(
            serde_json::to_string(&BoardId::new("123")).unwrap(),
            "\"123\""
        );
    }

    #[test]
    fn document_keys_separate_kinds_and_connections() {
        let a = DocumentKey::new("c1", DocumentKind::Invoice, "9");
        let b = DocumentKey::new("c1", DocumentKind::Bill, "9");
        let c = DocumentKey::new("c2", DocumentKind::Invoice, "9");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(a
            .as_str()
            .starts_with(&DocumentKey::prefix("c1", DocumentKind::Invoice)));
        assert_ne!(DocumentKey::reconcile("c1", DocumentKind::Invoice), a);
    }
}
