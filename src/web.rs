//! The page (Yew app built by Trunk); written next.

fn main() {}
