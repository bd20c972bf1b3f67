//! Account email (issue 13): a rendered notification as one MIME message,
//! multipart/alternative with a plain-text part and an HTML part, both UTF-8, for SES v2's
//! `Content.Raw`. (With `Content.Simple` moto keeps the HTML body only; the raw message is
//! what AWS sends either way.)
//!
//! The HTML is the same title and body as the text, escaped, one paragraph a line: nothing
//! is said in one part that the other does not say.

use base64::Engine;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::model::Locale;
use crate::templates::Rendered;

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub locale: Locale,
    pub rendered: &'a Rendered,
    pub date: OffsetDateTime,
    /// Separates the parts; any value that cannot occur in base64 text (a ULID does not
    /// contain `=`, so `=_<ulid>` cannot).
    pub boundary: &'a str,
}

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The plain-text part: the title, a blank line, the body.
pub fn text(rendered: &Rendered) -> String {
    format!("{}\n\n{}", rendered.title, rendered.body)
}

/// The HTML part: the title as a heading, each non-empty line of the body a paragraph.
pub fn html(rendered: &Rendered, locale: Locale) -> String {
    let paragraphs: String = rendered
        .body
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| format!("<p>{}</p>", escape_html(line)))
        .collect();
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{paragraphs}</body></html>",
        locale.as_str(),
        title = escape_html(&rendered.title),
    )
}

/// A header value as an RFC 2047 encoded word (UTF-8, base64) unless it is plain ASCII
/// without control characters.
fn header_value(value: &str) -> String {
    if value.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        value.to_string()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

/// Base64 in lines of 76 characters, as MIME asks.
fn base64_lines(s: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(s);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    lines.join("\r\n")
}

/// The whole message, CRLF line ends.
pub fn mime(email: &Email<'_>) -> String {
    let date = email
        .date
        .format(&Rfc2822)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 +0000".to_string());
    let boundary = email.boundary;
    let part = |media: &str, body: &str| {
        format!(
            "--{boundary}\r\nContent-Type: {media}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64_lines(body)
        )
    };
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Language: {lang}\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n{text}{html}--{boundary}--\r\n",
        from = email.from,
        to = email.to,
        subject = header_value(&email.rendered.title),
        lang = email.locale.as_str(),
        text = part("text/plain", &text(email.rendered)),
        html = part("text/html", &html(email.rendered, email.locale)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rendered() -> Rendered {
        Rendered {
            title: "이메일 인증 코드".to_string(),
            body: "인증 코드는 123456이에요.\n<script>는 글자일 뿐이에요 & 끝".to_string(),
        }
    }

    fn email(rendered: &Rendered) -> Email<'_> {
        Email {
            from: "no-reply@studyloop.local",
            to: "kim@example.com",
            locale: Locale::Ko,
            rendered,
            date: datetime!(2026-12-03 09:40:00 UTC),
            boundary: "=_01JB0000000000000000000000",
        }
    }

    #[test]
    fn the_message_reads_back_with_both_parts_saying_the_same() {
        let rendered = rendered();
        let raw = mime(&email(&rendered));
        assert!(raw.contains("\r\nMIME-Version: 1.0\r\n"));
        assert!(raw.contains("Content-Language: ko\r\n"));
        assert!(
            raw.lines().all(|l| l.len() <= 998),
            "no line over RFC 5322's limit"
        );
        // Read back as the local mail catcher reads what moto kept.
        let mail = localcloud::ses::parse_raw(&raw);
        assert_eq!(mail.to, ["kim@example.com"]);
        assert_eq!(mail.subject.as_deref(), Some("이메일 인증 코드"));
        assert_eq!(mail.sent_at.as_deref(), Some("2026-12-03T09:40:00Z"));
        assert_eq!(
            mail.text.as_deref(),
            Some("이메일 인증 코드\n\n인증 코드는 123456이에요.\n<script>는 글자일 뿐이에요 & 끝")
        );
        let html = mail.html.unwrap();
        assert!(
            html.starts_with("<!doctype html><html lang=\"ko\">"),
            "{html}"
        );
        assert!(html.contains("<h1>이메일 인증 코드</h1>"), "{html}");
        assert!(html.contains("<p>인증 코드는 123456이에요.</p>"), "{html}");
        assert!(
            html.contains("<p>&lt;script&gt;는 글자일 뿐이에요 &amp; 끝</p>"),
            "{html}"
        );
    }

    #[test]
    fn an_ascii_subject_stays_plain_and_long_bodies_wrap() {
        let rendered = Rendered {
            title: "Your code".to_string(),
            body: "x".repeat(500),
        };
        let raw = mime(&Email {
            locale: Locale::En,
            ..email(&rendered)
        });
        assert!(raw.contains("\r\nSubject: Your code\r\n"));
        assert!(raw.lines().all(|l| l.len() <= 76 || !l.starts_with("eA")));
        let mail = localcloud::ses::parse_raw(&raw);
        assert_eq!(
            mail.text.unwrap(),
            format!("Your code\n\n{}", "x".repeat(500))
        );
        assert!(mail.html.unwrap().contains("lang=\"en\""));
        assert_eq!(escape_html("\"'"), "&quot;&#39;");
    }
}
