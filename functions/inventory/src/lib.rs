//! The inventory domain (being built).
