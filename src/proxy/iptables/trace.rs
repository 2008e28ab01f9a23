//! Packet walks through the typed rules.
