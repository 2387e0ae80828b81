//! The connector's use of monday: board structure cache and per-board writer locks.

mod boards;

pub use boards::Boards;
