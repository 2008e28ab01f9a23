//! Fuzzes the YAML layer alone: any text split into documents and parsed into spanned
//! trees. Nothing may panic, and the work stays linear in the text (issue 21: keys were
//! compared pairwise, anchors copied per nesting level): at most a few key lookups per
//! byte, and no more alias nodes than the alias budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svcplay::manifest::yaml::parse_documents_counted;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (documents, _errors, work) = parse_documents_counted(text);
    let len = text.len() as u64;
    assert!(work.key_comparisons <= 16 * (len + 1), "{work:?} for {len} bytes");
    // The budget is per chunk between `---` lines: 10,000 + 4 × its length.
    assert!(
        work.alias_nodes <= 10_000 * (documents.len() as u64 + 1) + 4 * len,
        "{work:?} for {len} bytes"
    );
    for doc in &documents {
        if let Some(root) = &doc.root {
            let _ = root.locate("spec.ports[0].port");
            let _ = root.key_string();
        }
    }
});
