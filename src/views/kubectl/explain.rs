//! `kubectl explain`: the documentation of the Service resource's fields, as kubectl
//! prints it from the server's OpenAPI v3 schema (its `plaintext` template).
//!
//! The schema is `data/openapi-service.json`: the Service's definitions of the API
//! server's `/openapi/v3/api/v1` document (Service, ServiceSpec, ServicePort,
//! ServiceStatus, SessionAffinityConfig, ClientIPConfig, LoadBalancerStatus,
//! LoadBalancerIngress, PortStatus, and the meta/v1 Condition, Time and IntOrString they
//! use), taken from Kubernetes' `api/openapi-spec/v3/api__v1_openapi.json` of v1.30.
//! `ObjectMeta` is kept as its description only. svcplay is about Services: other
//! resources, and the fields of `metadata`, answer that svcplay holds no schema for them.
//!
//! The template, checked against the real kubectl (`tests/kubectl_real.rs` serves the
//! same JSON as an API server and compares): `KIND:`/`VERSION:`, then for a field
//! `FIELD: name <type>` and two blank lines, `DESCRIPTION:` (the field's description, then
//! the description of the type it refers to, each wrapped by go-wordwrap and indented by
//! four), and for an object the `FIELDS:` (`  name\t<type>` with ` -required-`, its
//! description wrapped under it, a blank line), or with `--recursive` the names only,
//! two spaces deeper per level. Types print as kubectl names them: `string`,
//! `integer`, `[]ServicePort`, `map[string]string`, the referenced definition's short name,
//! or its primitive type (IntOrString and Time are `string`).

use super::CommandOutput;
use super::flags::Parsed;
use crate::manifest::yaml::Node;

/// The schema document svcplay serves for `api/v1`.
pub const OPENAPI_SERVICE: &str = include_str!("data/openapi-service.json");

const SCHEMA_PREFIX: &str = "#/components/schemas/";
/// kubectl's column budget for wrapped descriptions (80 minus the indent).
const WIDTH: usize = 80;

fn document() -> Option<Node> {
    let (docs, errors) = crate::manifest::yaml::parse_documents(OPENAPI_SERVICE);
    if !errors.is_empty() {
        return None;
    }
    docs.into_iter().next().and_then(|d| d.root)
}

fn schemas(doc: &Node) -> Option<&Node> {
    doc.get("components")?.get("schemas")
}

/// The definition a property refers to (`allOf: [{$ref}]`, `$ref`), if any.
fn reference<'a>(schemas: &'a Node, property: &Node) -> Option<(&'a str, &'a Node)> {
    let target = property
        .get("$ref")
        .or_else(|| property.get("allOf")?.items()?.first()?.get("$ref"))?
        .as_str()?
        .strip_prefix(SCHEMA_PREFIX)?
        .to_string();
    schemas
        .entries()?
        .iter()
        .find(|e| e.key.as_str() == Some(target.as_str()))
        .and_then(|e| Some((e.key.as_str()?, &e.value)))
}

/// A mapping's keys and values, in order.
fn pairs(node: &Node) -> Vec<(&str, &Node)> {
    node.entries()
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| Some((e.key.as_str()?, &e.value)))
        .collect()
}

/// The type kubectl prints for a property.
fn type_name(schemas: &Node, property: &Node) -> String {
    if let Some((name, definition)) = reference(schemas, property) {
        let object = definition.get("properties").is_some()
            || definition.get("type").and_then(Node::as_str) == Some("object");
        return if object {
            name.rsplit('.').next().unwrap_or(name).to_string()
        } else {
            type_name(schemas, definition)
        };
    }
    match property.get("type").and_then(Node::as_str) {
        Some("array") => format!(
            "[]{}",
            property
                .get("items")
                .map(|i| type_name(schemas, i))
                .unwrap_or_default()
        ),
        Some("object") => match property.get("additionalProperties") {
            Some(value) => format!("map[string]{}", type_name(schemas, value)),
            None => "Object".into(),
        },
        Some(t) => t.to_string(),
        None => "Object".into(),
    }
}

/// The definition whose fields a property has (through `items` for arrays).
fn fields_of<'a>(schemas: &'a Node, property: &'a Node) -> Option<&'a Node> {
    if let Some((_, definition)) = reference(schemas, property) {
        return Some(definition);
    }
    if property.get("type").and_then(Node::as_str) == Some("array") {
        return fields_of(schemas, property.get("items")?);
    }
    None
}

fn description(node: &Node) -> &str {
    node.get("description").and_then(Node::as_str).unwrap_or("")
}

/// go-wordwrap's `WrapString`: breaks at spaces so that lines stay within `limit`
/// characters, keeps the text's own line breaks, never breaks a word longer than the
/// limit, and drops the spaces at a break.
pub fn wrap(text: &str, limit: usize) -> String {
    let mut buf = String::with_capacity(text.len());
    let mut current = 0usize;
    let (mut word, mut space) = (String::new(), String::new());
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in text.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= limit {
                    buf.push_str(&space);
                }
                space.clear();
                space_len = 0;
            } else {
                buf.push_str(&space);
                space.clear();
                space_len = 0;
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            buf.push(c);
            current = 0;
        } else if c.is_whitespace() && c != '\u{a0}' {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                buf.push_str(&space);
                space.clear();
                space_len = 0;
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + space_len + word_len > limit && word_len < limit {
                buf.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= limit {
            buf.push_str(&space);
        }
    } else {
        buf.push_str(&space);
        buf.push_str(&word);
    }
    buf
}

/// Every line of `text` after `indent` spaces (kubectl's `indent` template function).
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.split('\n')
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn wrapped(text: &str, by: usize) -> String {
    indent(&wrap(text, WIDTH - by), by)
}

fn required(definition: &Node, name: &str) -> bool {
    definition
        .get("required")
        .and_then(Node::items)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)))
}

fn field_list(schemas: &Node, definition: &Node, recursive: bool, depth: usize, out: &mut String) {
    let Some(properties) = definition.get("properties") else {
        return;
    };
    for (name, property) in pairs(properties) {
        let pad = " ".repeat(2 + 2 * depth);
        out.push_str(&format!(
            "{pad}{name}\t<{}>{}\n",
            type_name(schemas, property),
            if required(definition, name) {
                " -required-"
            } else {
                ""
            }
        ));
        if recursive {
            if let Some(child) = fields_of(schemas, property) {
                field_list(schemas, child, true, depth + 1, out);
            }
        } else {
            if !description(property).is_empty() {
                out.push_str(&wrapped(description(property), 4));
                out.push('\n');
            }
            out.push('\n');
        }
    }
}

/// `kubectl explain RESOURCE[.FIELD...] [--recursive]`.
pub fn run(args: &Parsed) -> CommandOutput {
    let Some(path) = args.args.first() else {
        return CommandOutput::error(
            "error: You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
            1,
        );
    };
    let mut parts = path.split('.');
    let resource_word = parts.next().unwrap_or_default();
    let fields: Vec<&str> = parts.collect();
    let Some(resource) = super::find_resource(resource_word) else {
        return CommandOutput::error(
            format!("the server doesn't have a resource type \"{resource_word}\"\n"),
            1,
        );
    };
    if let Some(version) = args.value("api-version") {
        let own = if resource.group.is_empty() {
            resource.version.to_string()
        } else {
            format!("{}/{}", resource.group, resource.version)
        };
        if version != own {
            let (group, v) = version.split_once('/').unwrap_or(("", version));
            return CommandOutput::error(
                format!(
                    "error: couldn't find resource for \"{group}/{v}, Resource={}\"\n",
                    resource.plural
                ),
                1,
            );
        }
    }
    if resource.kind != "Service" {
        return CommandOutput::error(
            format!(
                "svcplay: kubectl explain knows the Service's fields only (the simulated API server serves the schema of Services); {} is not in it\n",
                resource.plural
            ),
            1,
        );
    }
    let Some(doc) = document() else {
        return CommandOutput::error("svcplay: the Service schema does not parse\n", 1);
    };
    let Some(schemas) = schemas(&doc) else {
        return CommandOutput::error("svcplay: the Service schema has no definitions\n", 1);
    };
    let Some(root) = schemas.get("io.k8s.api.core.v1.Service") else {
        return CommandOutput::error("svcplay: the Service schema is missing\n", 1);
    };
    let recursive = args.bool("recursive");
    let mut out = String::from("KIND:       Service\nVERSION:    v1\n\n");
    let mut definition = root;
    let mut field: Option<(&str, &Node)> = None;
    for (i, name) in fields.iter().enumerate() {
        if i > 0 && field.is_some_and(|(n, _)| n == "metadata") {
            return CommandOutput::error(
                format!(
                    "svcplay: kubectl explain knows the Service's own fields; the fields of metadata (ObjectMeta) are not in svcplay's schema: {path}\n"
                ),
                1,
            );
        }
        let property = definition.get("properties").and_then(|p| p.get(name));
        let Some(property) = property else {
            return CommandOutput {
                interleaved: Vec::new(),
                stdout: out,
                stderr: format!("error: field \"{name}\" does not exist\n"),
                status: 1,
            };
        };
        field = Some((name, property));
        match fields_of(schemas, property) {
            Some(child) => definition = child,
            None => definition = property,
        }
    }
    let mut text = String::new();
    match field {
        Some((name, property)) => {
            out.push_str(&format!(
                "FIELD: {name} <{}>\n\n\n",
                type_name(schemas, property)
            ));
            text.push_str(description(property));
            if let Some((_, referred)) = reference(schemas, property).or_else(|| {
                property
                    .get("items")
                    .and_then(|items| reference(schemas, items))
            }) && !description(referred).is_empty()
            {
                text.push('\n');
                text.push_str(description(referred));
            }
        }
        None => text.push_str(description(root)),
    }
    out.push_str("DESCRIPTION:\n");
    out.push_str(&wrapped(&format!("{text}\n"), 4));
    out.push('\n');
    if definition.get("properties").is_some() {
        out.push_str("FIELDS:\n");
        field_list(schemas, definition, recursive, 0, &mut out);
    }
    out.push('\n');
    CommandOutput::ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_go_wordwrap() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
        assert_eq!(wrap("a  b", 10), "a  b");
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            "averyveryverylongword\nx"
        );
        assert_eq!(wrap("a\n\nb", 5), "a\n\nb");
    }

    #[test]
    fn the_schema_parses() {
        let doc = document().expect("the embedded OpenAPI document parses");
        assert!(schemas(&doc).is_some());
    }
}
