//! The session clock: a value in the session document, never the real clock.
//!
//! Time is counted in whole seconds since the Unix epoch (UTC). A scenario starts at
//! [`crate::controllers::SCENARIO_START`] and is first looked at
//! [`crate::controllers::SCENARIO_AGE_SECONDS`] later ([`start`]); `sleep` and the other
//! commands that take time move the clock of the session document forward. This module
//! prints and reads the forms the simulated tools use: RFC 3339 (Kubernetes timestamps),
//! C's `ctime` (`iptables-save`), `date` (dig's `;; WHEN:` and `date`).

/// How long after the objects' creation the scenario is first looked at (the
/// controllers' `SCENARIO_AGE_SECONDS`, checked equal by a test: `session` sits below
/// `controllers` in the crate's layers).
pub const FIRST_LOOK_SECONDS: i64 = 10;

/// Seconds since the Unix epoch of 2025-01-01T00:00:00Z ([`crate::controllers::SCENARIO_START`]).
pub const SCENARIO_START_EPOCH: i64 = 1_735_689_600;

/// The session clock before anything happened: the scenario's objects are
/// [`crate::controllers::SCENARIO_AGE_SECONDS`] old.
pub fn start() -> i64 {
    SCENARIO_START_EPOCH + FIRST_LOOK_SECONDS
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The broken-down UTC time of an epoch second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    /// 0 = Sunday.
    pub weekday: i64,
}

pub fn civil(epoch: i64) -> Civil {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
        weekday: (days + 4).rem_euclid(7),
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2025-01-01T00:00:10Z`, as Kubernetes prints `metav1.Time`.
pub fn rfc3339(epoch: i64) -> String {
    let c = civil(epoch);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let n = text.len();
            sign * (num(n - 5, 2)? * 3600 + num(n - 2, 2)? * 60)
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// C's `ctime` without the newline: `Wed Jan  1 00:00:10 2025` (what `iptables-save`
/// prints in its `# Generated by` line).
pub fn ctime(epoch: i64) -> String {
    weekday_first(epoch, false, "")
}

/// `date`'s default form in the C locale: `Wed Jan  1 00:00:10 UTC 2025`.
pub fn date(epoch: i64) -> String {
    weekday_first(epoch, false, "UTC ")
}

/// dig's `;; WHEN:` form: `Wed Jan 01 00:00:10 UTC 2025` (`%a %b %d %H:%M:%S %Z %Y`).
pub fn dig_when(epoch: i64) -> String {
    weekday_first(epoch, true, "UTC ")
}

/// The three forms above differ only in the day (space- or zero-padded) and the zone
/// written before the year.
fn weekday_first(epoch: i64, zero_padded_day: bool, zone: &str) -> String {
    let c = civil(epoch);
    let day = if zero_padded_day {
        format!("{:02}", c.day)
    } else {
        format!("{:2}", c.day)
    };
    format!(
        "{} {} {day} {:02}:{:02}:{:02} {zone}{}",
        WEEKDAYS[c.weekday as usize],
        MONTHS[(c.month - 1) as usize],
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// Reads a Go duration or a bare number of seconds as `sleep` takes it (`5`, `1.5`,
/// `2m`, `1h`): whole seconds, rounded up.
pub fn parse_sleep(text: &str) -> Option<i64> {
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
    let factor = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    let seconds = (value * factor).ceil();
    (seconds <= 1e12).then_some(seconds as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_starts_on_new_year_2025() {
        assert_eq!(
            rfc3339(SCENARIO_START_EPOCH),
            crate::controllers::SCENARIO_START
        );
        assert_eq!(
            parse_rfc3339(crate::controllers::SCENARIO_START),
            Some(SCENARIO_START_EPOCH)
        );
        assert_eq!(FIRST_LOOK_SECONDS, crate::controllers::SCENARIO_AGE_SECONDS);
        assert_eq!(ctime(start()), "Wed Jan  1 00:00:10 2025");
        assert_eq!(dig_when(start()), "Wed Jan 01 00:00:10 UTC 2025");
        assert_eq!(date(start() + 86_400 * 40), "Mon Feb 10 00:00:10 UTC 2025");
        assert_eq!(
            parse_rfc3339("2025-01-01T01:00:00+01:00"),
            Some(SCENARIO_START_EPOCH)
        );
        assert_eq!(parse_rfc3339("2025-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_sleep("5"), Some(5));
        assert_eq!(parse_sleep("0.5"), Some(1));
        assert_eq!(parse_sleep("2m"), Some(120));
        assert_eq!(parse_sleep("x"), None);
    }
}
