//! The Go types that decode themselves, as the API server's decoder meets them: the
//! checks and the exact error texts of `resource.ParseQuantity`, `metav1.Time`'s
//! `time.Parse(time.RFC3339, …)` and `encoding/base64` for `[]byte` fields.
//!
//! Each function takes the text the decoder hands the Go code and returns `Err` with the
//! message Go returns (which the API server passes on as it is).

/// `resource.ErrFormatWrong`: the regular expression is `splitREString` of
/// `k8s.io/apimachinery/pkg/api/resource/quantity.go`.
pub const QUANTITY_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `resource.ErrSuffix`.
pub const QUANTITY_SUFFIX: &str = "unable to parse quantity's suffix";

/// `resource.ParseQuantity` as far as it can fail. `Quantity.UnmarshalJSON` strips the
/// quotes of a JSON string and trims spaces before calling it; any other JSON value
/// arrives as its literal text (so `true` or `[1]` fail as text).
///
/// Ported from `parseQuantityString` and `quantitySuffixer.interpret`. `ErrNumeric` is not
/// reachable for a string `parseQuantityString` accepts (the value it hands `inf.Dec` is
/// always a decimal), so it is not modelled.
pub fn parse_quantity(text: &str) -> Result<(), &'static str> {
    let s = text.trim().as_bytes();
    if s.is_empty() {
        return Err(QUANTITY_FORMAT_WRONG);
    }
    let digits = |from: usize| from + s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut pos = usize::from(matches!(s[0], b'-' | b'+'));
    pos = digits(pos);
    if pos == s.len() {
        return Ok(());
    }
    if s[pos] == b'.' {
        pos = digits(pos + 1);
        if pos == s.len() {
            return Ok(());
        }
    }
    let suffix_start = pos;
    pos += s[pos..]
        .iter()
        .take_while(|c| b"eEinumkKMGTP".contains(c))
        .count();
    if pos < s.len() && matches!(s[pos], b'-' | b'+') {
        pos += 1;
    }
    if digits(pos) != s.len() {
        return Err(QUANTITY_FORMAT_WRONG);
    }
    let suffix = &text.trim()[suffix_start..];
    let known = matches!(
        suffix,
        "" | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
            | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
    ) || (suffix.len() > 1
        && suffix.starts_with(['e', 'E'])
        && suffix[1..].parse::<i64>().is_ok());
    if known { Ok(()) } else { Err(QUANTITY_SUFFIX) }
}

const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// Go's `time.Parse(time.RFC3339, value)`, as `metav1.Time.UnmarshalJSON` calls it, with
/// the `*time.ParseError` texts of Go's layout walk (`parsing time "x" as
/// "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`, `...: month out of range`,
/// `...: extra text: "..."`).
pub fn parse_rfc3339(value: &str) -> Result<(), String> {
    let quote = |s: &str| format!("{s:?}");
    let cannot = |value_elem: &str, layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(RFC3339),
            quote(value_elem),
            quote(layout_elem)
        )
    };
    let message = |m: String| format!("parsing time {}{m}", quote(value));
    let digit = |s: &str, i: usize| s.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    // getnum: one or two digits (two when `fixed`).
    let getnum = |s: &str, fixed: bool| -> Option<(u32, usize)> {
        if !digit(s, 0) {
            return None;
        }
        let d0 = u32::from(s.as_bytes()[0] - b'0');
        if !digit(s, 1) {
            return (!fixed).then_some((d0, 1));
        }
        Some((d0 * 10 + u32::from(s.as_bytes()[1] - b'0'), 2))
    };
    let mut rest = value;
    // The year: four digits.
    if rest.len() < 4 || !rest.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return Err(cannot(rest, "2006"));
    }
    let year: i64 = rest[..4].parse().unwrap_or(0);
    rest = &rest[4..];
    let mut fields = [0u32; 5];
    // (separator before it, layout element, fixed width, upper bound, range name)
    let elements = [
        ('-', "01", true, 12, "month"),
        ('-', "02", true, 0, ""),
        ('T', "15", false, 23, "hour"),
        (':', "04", true, 59, "minute"),
        (':', "05", true, 59, "second"),
    ];
    for (i, (separator, layout, fixed, max, name)) in elements.into_iter().enumerate() {
        if !rest.starts_with(separator) {
            return Err(cannot(rest, &separator.to_string()));
        }
        rest = &rest[1..];
        let Some((n, used)) = getnum(rest, fixed) else {
            return Err(cannot(rest, layout));
        };
        let after = &rest[used..];
        let out_of_range = match name {
            "month" => n == 0 || n > max,
            "" => false,
            _ => n > max,
        };
        if out_of_range {
            return Err(message(format!(": {name} out of range")));
        }
        fields[i] = n;
        rest = after;
    }
    // A fractional second the layout does not name is still accepted.
    if rest.len() >= 2 && matches!(rest.as_bytes()[0], b'.' | b',') && digit(rest, 1) {
        let n = 1 + rest[1..].bytes().take_while(u8::is_ascii_digit).count();
        rest = &rest[n..];
    }
    // The zone: `Z` or ±hh:mm.
    if let Some(after) = rest.strip_prefix('Z') {
        rest = after;
    } else {
        let b = rest.as_bytes();
        let zone_ok = b.len() >= 6
            && b[3] == b':'
            && getnum(&rest[1..3], true).is_some()
            && getnum(&rest[4..6], true).is_some()
            && matches!(b[0], b'+' | b'-');
        if !zone_ok {
            return Err(cannot(rest, "Z07:00"));
        }
        let hours = getnum(&rest[1..3], true).map_or(0, |(n, _)| n);
        let minutes = getnum(&rest[4..6], true).map_or(0, |(n, _)| n);
        if minutes > 60 {
            return Err(message(": time zone offset minute out of range".into()));
        }
        if hours > 24 {
            return Err(message(": time zone offset hour out of range".into()));
        }
        rest = &rest[6..];
    }
    if !rest.is_empty() {
        return Err(message(format!(": extra text: {}", quote(rest))));
    }
    let (month, day) = (fields[0], fields[1]);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return Err(message(": day out of range".into()));
    }
    Ok(())
}

/// `base64.StdEncoding.Decode` of a `[]byte` field's string: Go's
/// `illegal base64 data at input byte N` for the first byte it cannot take.
pub fn check_base64(text: &str) -> Result<(), String> {
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    // Where each byte sits in the original text (Go counts CR/LF it skipped).
    let positions: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b != b'\r' && *b != b'\n')
        .map(|(i, _)| i)
        .collect();
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let err = |i: usize| {
        Err(format!(
            "illegal base64 data at input byte {}",
            positions.get(i).copied().unwrap_or(text.len())
        ))
    };
    let mut i = 0;
    while i < bytes.len() {
        // One quantum of four characters.
        let quantum = &bytes[i..bytes.len().min(i + 4)];
        for (j, &b) in quantum.iter().enumerate() {
            if b == b'=' {
                // Padding: only in the third or fourth place, then the input must end.
                if j < 2 {
                    return err(i + j);
                }
                if j == 2 && quantum.get(3) != Some(&b'=') {
                    // Go wants a second `=`: the end of the input, or the first `=`.
                    return err(if quantum.len() == 3 {
                        bytes.len()
                    } else {
                        i + 2
                    });
                }
                if i + 4 < bytes.len() {
                    return err(i + 4);
                }
                return Ok(());
            }
            if !is_b64(b) {
                return err(i + j);
            }
        }
        if quantum.len() < 4 {
            // Missing padding: Go reports the start of the last quantum.
            return err(i);
        }
        i += 4;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_as_parse_quantity_reads_them() {
        for ok in [
            "1", "0", "500m", "1.5Gi", "64Mi", "1e3", "2E-2", "+1k", ".5", "1.", "-3",
        ] {
            assert_eq!(parse_quantity(ok), Ok(()), "{ok}");
        }
        for wrong in ["", "64MiB", "64mb", "true", "[1]", "1.2.3", "abc", "1 Gi"] {
            assert_eq!(parse_quantity(wrong), Err(QUANTITY_FORMAT_WRONG), "{wrong}");
        }
        for suffix in ["5kk", "1e", "3Mii", "2ki"] {
            assert_eq!(parse_quantity(suffix), Err(QUANTITY_SUFFIX), "{suffix}");
        }
    }

    #[test]
    fn rfc3339_errors_are_go_s() {
        assert_eq!(parse_rfc3339("2024-02-29T10:00:00Z"), Ok(()));
        assert_eq!(parse_rfc3339("2024-01-02T03:04:05.123+02:00"), Ok(()));
        assert_eq!(
            parse_rfc3339("yesterday").unwrap_err(),
            "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\""
        );
        assert_eq!(
            parse_rfc3339("2024-13-01T00:00:00Z").unwrap_err(),
            "parsing time \"2024-13-01T00:00:00Z\": month out of range"
        );
        assert_eq!(
            parse_rfc3339("2023-02-29T00:00:00Z").unwrap_err(),
            "parsing time \"2023-02-29T00:00:00Z\": day out of range"
        );
        assert_eq!(
            parse_rfc3339("2024-01-02").unwrap_err(),
            "parsing time \"2024-01-02\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\""
        );
        assert_eq!(
            parse_rfc3339("2024-01-02T03:04:05Zjunk").unwrap_err(),
            "parsing time \"2024-01-02T03:04:05Zjunk\": extra text: \"junk\""
        );
    }

    #[test]
    fn base64_errors_name_the_byte() {
        assert_eq!(check_base64("aGVsbG8="), Ok(()));
        assert_eq!(check_base64(""), Ok(()));
        let at = |n: usize| Err(format!("illegal base64 data at input byte {n}"));
        assert_eq!(check_base64("hello!"), at(5));
        assert_eq!(check_base64("abc"), at(0));
        assert_eq!(check_base64("ab="), at(3));
        assert_eq!(check_base64("aGk=aGk="), at(4));
    }
}
