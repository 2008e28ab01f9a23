//! Rules grouped by chain, with provenance, for the page.
