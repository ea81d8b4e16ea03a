//! Writing response heads and small complete responses.

/// A response head: status line, headers, empty line. Line breaks inside header names or values
/// are removed so a test can never break the framing by accident.
pub(crate) fn head(status: u16, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&one_line(name));
        out.push_str(": ");
        out.push_str(&one_line(value));
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A complete response with a `Content-Length` body and `Connection: close`. Statuses that
/// cannot carry a body (1xx, 204, 304) get neither body nor length; a `HEAD` request gets the
/// length without the body.
pub(crate) fn complete(
    status: u16,
    extra: &[(String, String)],
    body: &[u8],
    head_only: bool,
) -> Vec<u8> {
    let bodiless = status < 200 || status == 204 || status == 304;
    let mut headers = Vec::with_capacity(extra.len() + 3);
    let has = |name: &str| extra.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if !bodiless && !has("content-type") {
        headers.push(("Content-Type".to_string(), "text/plain; charset=utf-8".to_string()));
    }
    if !bodiless && !has("content-length") {
        headers.push(("Content-Length".to_string(), body.len().to_string()));
    }
    headers.extend(extra.iter().cloned());
    headers.push(("Connection".to_string(), "close".to_string()));
    let mut out = head(status, &headers);
    if !bodiless && !head_only {
        out.extend_from_slice(body);
    }
    out
}

fn one_line(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// The reason phrase for the status line (any text is valid; clients ignore it).
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap_or_default()
    }

    #[test]
    fn complete_response_has_length_and_close() {
        let extra = vec![("Retry-After".to_string(), "2".to_string())];
        assert_eq!(
            text(complete(503, &extra, b"busy", false)),
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 4\r\nRetry-After: 2\r\nConnection: close\r\n\r\nbusy"
        );
    }

    #[test]
    fn no_content_has_no_body() {
        assert_eq!(
            text(complete(204, &[], b"ignored", false)),
            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn header_line_breaks_are_removed() {
        let extra = vec![("X-A".to_string(), "a\r\nInjected: 1".to_string())];
        assert_eq!(text(head(200, &extra)), "HTTP/1.1 200 OK\r\nX-A: aInjected: 1\r\n\r\n");
    }
}
