//! Column types and values: how each monday column type is written, and the
//! check that a value fits a board's real column before anything is sent.
//!
//! monday accepts a wrong value silently in some cases (an empty string sets
//! a number to 0) and rejects it with a vague `ColumnValueException` in
//! others, so values are typed here and checked against the board first.

mod column_type;
mod text;
mod validate;
mod value;

pub use column_type::ColumnType;
pub use text::{truncate_item_name, truncate_long_text, ITEM_NAME_MAX_CHARS, LONG_TEXT_MAX_CHARS};
pub use validate::{validate, MappingMismatch};
pub use value::{ColumnValue, ColumnValues, PersonKind};
