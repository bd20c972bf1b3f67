//! The payments domain (being built).
