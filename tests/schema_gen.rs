//! The generator of `src/manifest/schema/generated.rs`, run as a test so that CI's native
//! step checks the committed table is what the committed inputs give.
//!
//! Inputs: `schema/openapi-v1.35.txt` (the Kubernetes v1.35 OpenAPI definitions svcplay
//! decodes against, extracted by `scripts/schema/extract.py` with its provenance and
//! checksums in the header) and `schema/go-types-v1.35.txt` (the hand-written overlay of
//! Go type names the OpenAPI document does not carry, from the `types.go` files it cites).
//!
//! `generated_table_is_up_to_date` regenerates the Rust text and compares it with the
//! committed file (`SVCPLAY_BLESS=1` rewrites it). `compiled_table_round_trips` walks the
//! compiled tables from every kind and checks each struct, field and type against the
//! extract again, so the generated code is proved to say what its input says.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use svcplay::manifest::schema::{self, Struct, Ty};

const EXTRACT: &str = "schema/openapi-v1.35.txt";
const OVERLAY: &str = "schema/go-types-v1.35.txt";
const OUTPUT: &str = "src/manifest/schema/generated.rs";

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One definition of the extract: a struct's fields, or a self-decoding type's rule.
#[derive(Debug)]
enum Definition {
    Fields(Vec<(String, String)>),
    Opaque(String),
}

/// The parsed extract: the kinds' roots and every definition by name.
struct Extract {
    kinds: Vec<(String, String, String)>,
    definitions: BTreeMap<String, Definition>,
}

fn parse_extract(text: &str) -> Extract {
    let mut kinds = Vec::new();
    let mut definitions = BTreeMap::new();
    let mut current: Option<(String, Vec<(String, String)>)> = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(field) = line.strip_prefix("  ") {
            let (name, ty) = field.split_once(' ').expect("a field line is `name type`");
            let (_, fields) = current.as_mut().expect("a field line follows `def`");
            fields.push((name.to_string(), ty.to_string()));
            continue;
        }
        if let Some((name, fields)) = current.take() {
            definitions.insert(name, Definition::Fields(fields));
        }
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["kind", api_version, kind, definition] => kinds.push((
                api_version.to_string(),
                kind.to_string(),
                definition.to_string(),
            )),
            ["def", name] => current = Some((name.to_string(), Vec::new())),
            ["opaque", name, rule] => {
                definitions.insert(name.to_string(), Definition::Opaque(rule.to_string()));
            }
            _ => panic!("{EXTRACT}: unexpected line {line:?}"),
        }
    }
    if let Some((name, fields)) = current.take() {
        definitions.insert(name, Definition::Fields(fields));
    }
    Extract { kinds, definitions }
}

/// The overlay: (short definition name, field) → Go type.
fn parse_overlay(text: &str) -> BTreeMap<(String, String), String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split(' ').collect();
            let [definition, field, go_type] = words.as_slice() else {
                panic!("{OVERLAY}: unexpected line {l:?}");
            };
            (
                (definition.to_string(), field.to_string()),
                go_type.to_string(),
            )
        })
        .collect()
}

fn short_name(definition: &str) -> &str {
    definition
        .strip_prefix("io.k8s.api.")
        .or_else(|| definition.strip_prefix("io.k8s.apimachinery.pkg.apis."))
        .unwrap_or(definition)
}

/// The Rust static of a definition: `io.k8s.api.core.v1.HTTPGetAction` → `CORE_V1_HTTP_GET_ACTION`.
fn static_name(definition: &str) -> String {
    let mut out = String::new();
    for (i, part) in short_name(definition).split('.').enumerate() {
        if i > 0 {
            out.push('_');
        }
        let chars: Vec<char> = part.chars().collect();
        for (j, c) in chars.iter().enumerate() {
            let boundary = j > 0
                && c.is_ascii_uppercase()
                && (chars[j - 1].is_ascii_lowercase()
                    || chars[j - 1].is_ascii_digit()
                    || chars.get(j + 1).is_some_and(|n| n.is_ascii_lowercase()));
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
    }
    out
}

/// The Go type name of a struct definition, as reflect prints it: `v1.ServicePort`.
fn go_struct_name(definition: &str) -> String {
    let mut parts = definition.rsplit('.');
    let name = parts.next().unwrap();
    let package = parts.next().unwrap();
    format!("{package}.{name}")
}

/// The Rust expression of a field's type. `go` is the overlay's Go type for the field.
fn rust_type(extract: &Extract, ty: &str, go: Option<&str>) -> String {
    if let Some(item) = ty.strip_prefix("[]") {
        let go_item = go.map(|g| {
            g.strip_prefix("[]")
                .unwrap_or_else(|| panic!("overlay {g} for an array"))
        });
        return format!("Ty::Array(&{})", rust_type(extract, item, go_item));
    }
    if let Some(value) = ty.strip_prefix("map[string]") {
        // A named map (`v1.ResourceList`) prints its own name; `map[K]V` names the key
        // and value types; otherwise the name is derived from the value's.
        let (name, go_value) = match go {
            Some(g) if g.starts_with("map[") => {
                let value = g.split_once(']').unwrap().1;
                (g.to_string(), Some(value))
            }
            Some(g) => (g.to_string(), None),
            None => (String::new(), None),
        };
        return format!(
            "Ty::Map({name:?}, &{})",
            rust_type(extract, value, go_value)
        );
    }
    if let Some(definition) = ty.strip_prefix('#') {
        return match extract.definitions.get(definition) {
            Some(Definition::Fields(_)) => format!("Ty::Struct(&{})", static_name(definition)),
            Some(Definition::Opaque(rule)) => match rule.as_str() {
                "quantity" => "Ty::Quantity".into(),
                "int-or-string" => "Ty::IntOrString".into(),
                "time" | "micro-time" => "Ty::Time".into(),
                "fields-v1" => "Ty::Any".into(),
                other => panic!("unknown opaque rule {other}"),
            },
            None => panic!("{definition} is referenced but not defined"),
        };
    }
    let go_name = |default: &str| go.unwrap_or(default).to_string();
    match ty {
        "string" => format!("Ty::Str({:?})", go_name("string")),
        "string:byte" => "Ty::Bytes".into(),
        "integer:int32" => format!("Ty::Int({:?})", go_name("int32")),
        "integer:int64" => format!("Ty::Int({:?})", go_name("int64")),
        "number" | "number:double" => "Ty::Float".into(),
        "boolean" => "Ty::Bool".into(),
        "object" => "Ty::Any".into(),
        other => panic!("unknown type {other}"),
    }
}

fn generate(extract: &Extract, overlay: &BTreeMap<(String, String), String>) -> String {
    let mut out = String::new();
    out.push_str(
        "//! The Kubernetes v1.35 schemas of the kinds svcplay decodes: GENERATED by\n\
         //! `tests/schema_gen.rs` from `schema/openapi-v1.35.txt` (the OpenAPI definitions) and\n\
         //! `schema/go-types-v1.35.txt` (the Go type names). Do not edit: change the inputs and\n\
         //! run `SVCPLAY_BLESS=1 cargo test --test schema_gen`.\n\n\
         use super::{Fields, Struct, Ty};\n\n",
    );
    out.push_str("/// Every kind's top-level struct: `(apiVersion, kind, schema)`.\n");
    writeln!(
        out,
        "pub static KINDS: [(&str, &str, &Struct); {}] = [",
        extract.kinds.len()
    )
    .unwrap();
    for (api_version, kind, definition) in &extract.kinds {
        writeln!(
            out,
            "    ({api_version:?}, {kind:?}, &{}),",
            static_name(definition)
        )
        .unwrap();
    }
    out.push_str("];\n");
    // Pack every field as (name offset, name length, type index) into one string of
    // names and one table of types: a third of the bytes of a slice of (&str, Ty).
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut used = BTreeSet::new();
    for (definition, body) in &extract.definitions {
        let Definition::Fields(fields) = body else {
            continue;
        };
        let mut sorted = fields.clone();
        sorted.sort();
        let mut packed = Vec::new();
        for (field, ty) in &sorted {
            let key = (short_name(definition).to_string(), field.clone());
            let go = overlay.get(&key).map(String::as_str);
            if go.is_some() {
                used.insert(key);
            }
            names.entry(field.clone()).or_insert(0);
            let rust = rust_type(extract, ty, go);
            let next = types.len();
            types.entry(rust.clone()).or_insert(next);
            packed.push((field.clone(), rust));
        }
        rows.push((definition.clone(), packed));
    }
    let unused: Vec<_> = overlay.keys().filter(|k| !used.contains(*k)).collect();
    assert!(
        unused.is_empty(),
        "overlay entries for no field: {unused:?}"
    );
    let mut blob = String::new();
    for (name, offset) in names.iter_mut() {
        *offset = blob.len();
        blob.push_str(name);
    }
    assert!(blob.len() < 1 << 16 && types.len() < 1 << 10);
    writeln!(
        out,
        "\n/// Every field name of the tables below, each once.\npub static NAMES: &str = {blob:?};"
    )
    .unwrap();
    let mut by_index: Vec<(&usize, &String)> = types.iter().map(|(t, i)| (i, t)).collect();
    by_index.sort();
    writeln!(
        out,
        "\n/// Every field type of the tables below, each once.\npub static TYPES: [Ty; {}] = [",
        types.len()
    )
    .unwrap();
    for (_, rust) in by_index {
        writeln!(out, "    {rust},").unwrap();
    }
    out.push_str("];\n");
    let mut statics = BTreeSet::new();
    for (definition, packed) in rows {
        let name = static_name(&definition);
        assert!(statics.insert(name.clone()), "two definitions make {name}");
        writeln!(out, "\n/// `{definition}`").unwrap();
        writeln!(out, "pub static {name}: Struct = Struct {{").unwrap();
        writeln!(out, "    go_type: {:?},", go_struct_name(&definition)).unwrap();
        out.push_str("    fields: Fields::Packed(&[\n");
        for (field, rust) in packed {
            let offset = names[&field];
            assert!(field.len() < 64, "{field} is too long to pack");
            let word = offset as u32 | (field.len() as u32) << 16 | (types[&rust] as u32) << 22;
            writeln!(out, "        0x{word:08x}, // {field}").unwrap();
        }
        out.push_str("    ]),\n};\n");
    }
    out
}

#[test]
fn generated_table_is_up_to_date() {
    let extract = parse_extract(&read(EXTRACT));
    let text = generate(&extract, &parse_overlay(&read(OVERLAY)));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(OUTPUT);
    if std::env::var_os("SVCPLAY_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{OUTPUT} is not what {EXTRACT} and {OVERLAY} give: run `SVCPLAY_BLESS=1 cargo test --test schema_gen` and commit the result"
    );
}

/// The printed Go name of a compiled type, and its shape in the extract's words.
fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Str(name) => format!("string/{name}"),
        Ty::Int(name) => format!("integer/{name}"),
        Ty::Bool => "boolean".into(),
        Ty::Float => "number".into(),
        Ty::Bytes => "string:byte".into(),
        Ty::IntOrString => "#int-or-string".into(),
        Ty::Quantity => "#quantity".into(),
        Ty::Time => "#time".into(),
        Ty::Any => "object".into(),
        Ty::Map(name, value) => format!("map[string]{}/{name}", describe(value)),
        Ty::Array(item) => format!("[]{}", describe(item)),
        Ty::Struct(s) => format!("#{}", s.go_type),
    }
}

/// The same description computed from the extract and the overlay.
fn expected(extract: &Extract, ty: &str, go: Option<&str>) -> String {
    if let Some(item) = ty.strip_prefix("[]") {
        return format!("[]{}", expected(extract, item, go.map(|g| &g[2..])));
    }
    if let Some(value) = ty.strip_prefix("map[string]") {
        let value_go = go
            .filter(|g| g.starts_with("map["))
            .map(|g| g.split_once(']').unwrap().1);
        return format!(
            "map[string]{}/{}",
            expected(extract, value, value_go),
            go.unwrap_or("")
        );
    }
    if let Some(definition) = ty.strip_prefix('#') {
        return match &extract.definitions[definition] {
            Definition::Fields(_) => format!("#{}", go_struct_name(definition)),
            Definition::Opaque(rule) if rule == "fields-v1" => "object".into(),
            Definition::Opaque(rule) if rule == "micro-time" => "#time".into(),
            Definition::Opaque(rule) => format!("#{rule}"),
        };
    }
    match ty {
        "string" => format!("string/{}", go.unwrap_or("string")),
        "integer:int32" => format!("integer/{}", go.unwrap_or("int32")),
        "integer:int64" => format!("integer/{}", go.unwrap_or("int64")),
        "number" | "number:double" => "number".into(),
        other => other.to_string(),
    }
}

#[test]
fn compiled_table_round_trips() {
    let extract = parse_extract(&read(EXTRACT));
    let overlay = parse_overlay(&read(OVERLAY));
    assert_eq!(schema::generated::KINDS.len(), extract.kinds.len());
    let mut pending: Vec<(&'static Struct, String)> = Vec::new();
    for ((api_version, kind, s), (e_api, e_kind, e_def)) in
        schema::generated::KINDS.iter().zip(&extract.kinds)
    {
        assert_eq!((*api_version, *kind), (e_api.as_str(), e_kind.as_str()));
        pending.push((s, e_def.clone()));
    }
    let mut seen = BTreeSet::new();
    let mut structs = 0;
    let mut fields = 0;
    while let Some((compiled, definition)) = pending.pop() {
        if !seen.insert(definition.clone()) {
            continue;
        }
        structs += 1;
        let Definition::Fields(expected_fields) = &extract.definitions[&definition] else {
            panic!("{definition} is not a struct");
        };
        assert_eq!(
            compiled.go_type,
            go_struct_name(&definition),
            "{definition}"
        );
        let mut sorted = expected_fields.clone();
        sorted.sort();
        let compiled_fields = compiled.fields();
        let names: Vec<&str> = compiled_fields.iter().map(|(n, _)| *n).collect();
        let expected_names: Vec<&str> = sorted.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, expected_names, "{definition}");
        for ((name, ty), (_, e_ty)) in compiled_fields.iter().zip(&sorted) {
            fields += 1;
            let go = overlay
                .get(&(short_name(&definition).to_string(), name.to_string()))
                .map(String::as_str);
            assert_eq!(
                describe(ty),
                expected(&extract, e_ty, go),
                "{definition}.{name}"
            );
            assert_eq!(
                compiled.field(name).map(|t| describe(&t)),
                Some(describe(ty))
            );
            // Follow references into nested structs.
            let mut inner = ty;
            let mut e_inner = e_ty.as_str();
            loop {
                match inner {
                    Ty::Array(item) => {
                        inner = item;
                        e_inner = &e_inner[2..];
                    }
                    Ty::Map(_, value) => {
                        inner = value;
                        e_inner = &e_inner["map[string]".len()..];
                    }
                    _ => break,
                }
            }
            if let Ty::Struct(s) = inner {
                pending.push((s, e_inner.trim_start_matches('#').to_string()));
            }
        }
    }
    let defined = extract
        .definitions
        .values()
        .filter(|d| matches!(d, Definition::Fields(_)))
        .count();
    assert_eq!(structs, defined, "every struct of the extract is reachable");
    eprintln!("schema: {structs} structs, {fields} fields round-trip");
}
