//! The selector view (filled in below).
