//! The CLI's editor: `svcplay shell --editor-script F` answers the editors the commands
//! open (`vi FILE`, `kubectl edit`) with vi's own ex commands, one editing session after
//! the other.
//!
//! A session is a list of commands ended by `:wq`, `:x` or `ZZ` (save and quit) or
//! `:q!` (quit without saving): `:%s/OLD/NEW/` and `:%s/OLD/NEW/g` replace literal text
//! (the first occurrence on each line, or every one; any delimiter after `s`), `:%d`
//! deletes every line, `:a` (`:append`) adds the lines that follow until a line with a
//! single `.`, `:$d` deletes the last line, `:w` saves and goes on. Blank lines and
//! lines starting with `"` (vi's comments) are skipped.

/// The editing sessions of a script, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditorScript {
    pub sessions: Vec<Vec<String>>,
}

/// Reads a script into its sessions.
pub fn parse(text: &str) -> EditorScript {
    let mut sessions = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut appending = false;
    for line in text.lines() {
        if appending {
            current.push(line.to_string());
            if line == "." {
                appending = false;
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('"') {
            continue;
        }
        current.push(trimmed.to_string());
        if matches!(trimmed, ":a" | ":append" | ":i" | ":insert") {
            appending = true;
        }
        if matches!(trimmed, ":wq" | ":x" | "ZZ" | ":q!" | ":wq!") {
            sessions.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sessions.push(current);
    }
    EditorScript { sessions }
}

/// Runs one session's commands on `content`: the saved text, or `None` when the
/// session quit without saving. `Err` names a command vi would not understand.
pub fn apply(content: &str, commands: &[String]) -> Result<Option<String>, String> {
    let mut lines: Vec<String> = content.lines().map(str::to_string).collect();
    let mut saved: Option<String> = None;
    let mut i = 0;
    let joined = |lines: &[String]| {
        let mut s = lines.join("\n");
        if !lines.is_empty() {
            s.push('\n');
        }
        s
    };
    while i < commands.len() {
        let c = commands[i].as_str();
        match c {
            ":wq" | ":x" | "ZZ" | ":wq!" => return Ok(Some(joined(&lines))),
            ":q!" => return Ok(saved),
            ":q" => return Ok(saved),
            ":w" => saved = Some(joined(&lines)),
            ":%d" => lines.clear(),
            ":$d" => {
                lines.pop();
            }
            ":a" | ":append" | ":i" | ":insert" => {
                let at_start = matches!(c, ":i" | ":insert");
                let mut added = Vec::new();
                i += 1;
                while i < commands.len() && commands[i] != "." {
                    added.push(commands[i].clone());
                    i += 1;
                }
                if at_start {
                    added.extend(lines);
                    lines = added;
                } else {
                    lines.extend(added);
                }
            }
            _ => {
                let Some(rest) = c.strip_prefix(":%s").or_else(|| c.strip_prefix(":s")) else {
                    return Err(format!(
                        "E492: Not an editor command: {}",
                        c.trim_start_matches(':')
                    ));
                };
                let mut chars = rest.chars();
                let Some(delimiter) = chars.next() else {
                    return Err(format!(
                        "E492: Not an editor command: {}",
                        c.trim_start_matches(':')
                    ));
                };
                let body: String = chars.collect();
                let parts = split_unescaped(&body, delimiter);
                if parts.len() < 2 {
                    return Err(format!("E486: Pattern not found: {body}"));
                }
                let (old, new) = (&parts[0], &parts[1]);
                let global = parts.get(2).is_some_and(|f| f.contains('g'));
                let mut found = false;
                for line in lines.iter_mut() {
                    if line.contains(old.as_str()) {
                        found = true;
                        *line = if global {
                            line.replace(old.as_str(), new)
                        } else {
                            line.replacen(old.as_str(), new, 1)
                        };
                    }
                }
                if !found {
                    return Err(format!("E486: Pattern not found: {old}"));
                }
            }
        }
        i += 1;
    }
    Ok(saved)
}

/// Splits on `delimiter`, where `\DELIMITER` stands for the character itself.
fn split_unescaped(text: &str, delimiter: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&delimiter) {
            if let Some(p) = parts.last_mut() {
                p.push(delimiter);
            }
            chars.next();
        } else if c == delimiter {
            parts.push(String::new());
        } else {
            if let Some(p) = parts.last_mut() {
                p.push(c);
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_edit_like_vi() {
        let script =
            parse(":%s/mode: \"\"/mode: \"ipvs\"/\n:wq\n\" a new file\n:a\nkind: X\n.\n:wq\n:q!\n");
        assert_eq!(script.sessions.len(), 3);
        assert_eq!(
            apply("a: 1\nmode: \"\"\n", &script.sessions[0]).unwrap(),
            Some("a: 1\nmode: \"ipvs\"\n".into())
        );
        assert_eq!(
            apply("", &script.sessions[1]).unwrap(),
            Some("kind: X\n".into())
        );
        assert_eq!(apply("x\n", &script.sessions[2]).unwrap(), None);
        assert!(apply("x\n", &[":%s/y/z/".into()]).is_err());
        assert_eq!(
            apply("a/b\n", &[":%s|a/b|c|".into(), ":wq".into()]).unwrap(),
            Some("c\n".into())
        );
    }
}
