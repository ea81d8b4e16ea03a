//! `-H 'Name: value'` arguments, shared by `tether tail` and `tether sync`.

use tether_core::ConnectionConfigBuilder;

/// Adds every `Name: value` argument to `builder`. A malformed one is named by its position only:
/// the argument itself may hold a token and is never echoed.
pub fn add_headers(
    mut builder: ConnectionConfigBuilder,
    headers: &[String],
) -> Result<ConnectionConfigBuilder, String> {
    for (index, raw) in headers.iter().enumerate() {
        let (name, value) = split_header(raw).ok_or_else(|| {
            format!("-H argument #{} is not `Name: value` (no ':' found)", index + 1)
        })?;
        builder = builder.header(name, value);
    }
    Ok(builder)
}

/// `Name: value` → (`Name`, `value`), both trimmed; `None` without a colon or without a name.
fn split_header(raw: &str) -> Option<(&str, &str)> {
    let (name, value) = raw.split_once(':')?;
    let name = name.trim();
    (!name.is_empty()).then_some((name, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_on_the_first_colon() {
        assert_eq!(
            split_header("Authorization: Bearer a:b"),
            Some(("Authorization", "Bearer a:b"))
        );
        assert_eq!(split_header("X-Empty:"), Some(("X-Empty", "")));
        assert_eq!(split_header("no colon"), None);
        assert_eq!(split_header(": value"), None);
    }

    #[test]
    fn a_bad_argument_is_named_by_position_not_echoed() {
        let builder = tether_core::ConnectionConfig::builder("http://127.0.0.1/e");
        let args = ["X-Ok: 1".to_string(), "Bearer SECRET".to_string()];
        let error = add_headers(builder, &args).expect_err("the second has no colon");
        assert!(error.contains("#2") && !error.contains("SECRET"), "{error}");
    }
}
