//! The orders domain (being built).
