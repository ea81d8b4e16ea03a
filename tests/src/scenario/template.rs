//! Placeholders in scenario ids and payloads, compact JSON text, and ISO-8601 times.
//!
//! Placeholders: `{{id}}` (the event's SSE id), `{{seq}}` (its log sequence number),
//! `{{iteration}}` (1 for the first pass over the steps), `{{timestamp}}` (unix milliseconds)
//! and `{{iso_time}}` (the same instant as `2024-05-01T12:00:00.000Z`). In JSON payloads a
//! string that is exactly `"{{timestamp}}"`, `"{{seq}}"` or `"{{iteration}}"` becomes a number.

/// The values placeholders stand for, for one published event.
#[derive(Debug, Clone)]
pub(crate) struct Vars<'a> {
    pub(crate) id: &'a str,
    pub(crate) seq: u64,
    pub(crate) iteration: u64,
    pub(crate) now_ms: u64,
}

/// Replaces placeholders in plain text.
pub(crate) fn render_text(template: &str, vars: &Vars<'_>) -> String {
    substitute(template, vars, false)
}

/// Replaces placeholders in compact JSON text, keeping it valid JSON.
pub(crate) fn render_json(template: &str, vars: &Vars<'_>) -> String {
    let numeric = template
        .replace("\"{{timestamp}}\"", &vars.now_ms.to_string())
        .replace("\"{{seq}}\"", &vars.seq.to_string())
        .replace("\"{{iteration}}\"", &vars.iteration.to_string());
    substitute(&numeric, vars, true)
}

fn substitute(template: &str, vars: &Vars<'_>, json_escape: bool) -> String {
    if !template.contains("{{") {
        return template.to_string();
    }
    let id = if json_escape { escape_json(vars.id) } else { vars.id.to_string() };
    template
        .replace("{{id}}", &id)
        .replace("{{seq}}", &vars.seq.to_string())
        .replace("{{iteration}}", &vars.iteration.to_string())
        .replace("{{timestamp}}", &vars.now_ms.to_string())
        .replace("{{iso_time}}", &iso_time(vars.now_ms))
}

/// `s` escaped for the inside of a JSON string (without the quotes).
fn escape_json(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Removes insignificant whitespace from valid JSON text, keeping key order and string
/// contents byte for byte.
pub(crate) fn minify_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian, UTC).
pub(crate) fn iso_time(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Vars<'static> = Vars { id: "evt-\"7\"", seq: 7, iteration: 2, now_ms: 1_000 };

    #[test]
    fn text_placeholders() {
        assert_eq!(
            render_text("{{id}}/{{seq}}/{{iteration}}/{{timestamp}}/{{nope}}", &VARS),
            "evt-\"7\"/7/2/1000/{{nope}}"
        );
    }

    #[test]
    fn json_placeholders_stay_valid_json() {
        let out = render_json(
            r#"{"id":"{{id}}","t":"{{timestamp}}","s":"s-{{iteration}}","at":"{{iso_time}}"}"#,
            &VARS,
        );
        assert_eq!(out, r#"{"id":"evt-\"7\"","t":1000,"s":"s-2","at":"1970-01-01T00:00:01.000Z"}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    }

    #[test]
    fn minify_keeps_strings_and_order() {
        assert_eq!(
            minify_json("{ \"b\" : [1, 2],\n \"a\": \"x  \\\" y\" }"),
            r#"{"b":[1,2],"a":"x  \" y"}"#
        );
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso_time(1_714_564_800_000), "2024-05-01T12:00:00.000Z");
    }
}
