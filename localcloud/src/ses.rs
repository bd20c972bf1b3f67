//! SES v2 in moto: the template's email identities created at start (moto, like AWS,
//! refuses to send from an identity that does not exist), and the mail catcher behind
//! `GET /_localcloud/mail`, which reads every message moto kept from its
//! `/moto-api/data.json`.
//!
//! moto keeps a `Content.Simple` message with its HTML body only (under `ses` →
//! `Message`) and a `Content.Raw` one whole (under `ses` → `RawMessage`), so the text
//! and HTML parts of a multipart/alternative message both show. moto records no time:
//! `sentAt` is the raw message's `Date` header, `null` for a simple message.

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

use crate::template::{REGION, Resolver, Template};

pub const EMAIL_IDENTITY: &str = "AWS::SES::EmailIdentity";

/// The path of the mail catcher on the front door; not a route of the template.
pub const MAIL_PATH: &str = "/_localcloud/mail";

/// moto routes a request to a service by the credential scope of its Authorization
/// header; it does not check the signature.
fn authorization() -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/ses/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// The `EmailIdentity` of every `AWS::SES::EmailIdentity` of the template that exists
/// (its Condition holds), resolved.
pub fn email_identities(template: &Template, resolver: &Resolver) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (id, _, props) in resolver.existing_of_kind(template, EMAIL_IDENTITY)? {
        let identity = props["EmailIdentity"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow!("{id}: EmailIdentity must resolve to a non-empty string"))?;
        out.push(identity.to_string());
    }
    Ok(out)
}

/// Creates the identities in moto (SES v2 `CreateEmailIdentity`). moto answers 200 for
/// one that exists already, so clouds sharing a moto can each create theirs.
pub async fn create_identities(
    client: &reqwest::Client,
    endpoint: &str,
    identities: &[String],
) -> Result<()> {
    for identity in identities {
        let response = client
            .post(format!("{endpoint}/v2/email/identities"))
            .header("authorization", authorization())
            .json(&serde_json::json!({ "EmailIdentity": identity }))
            .send()
            .await
            .with_context(|| format!("creating the SES identity {identity}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            bail!("creating the SES identity {identity}: {status} {body}");
        }
    }
    Ok(())
}

/// One message as the mail catcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub sent_at: Option<String>,
}

/// Every message moto holds, newest first.
pub async fn mail(client: &reqwest::Client, endpoint: &str) -> Result<Vec<Mail>> {
    let data: Value = client
        .get(format!("{endpoint}/moto-api/data.json"))
        .send()
        .await
        .context("reading moto's data.json")?
        .error_for_status()?
        .json()
        .await
        .context("decoding moto's data.json")?;
    Ok(mail_from_data(&data))
}

/// The messages of moto's data.json, newest first: moto appends, so each list is read
/// backwards; then the raw messages by their `Date` (stable: equal dates keep moto's
/// order), and the simple ones, which have no date, after them.
pub fn mail_from_data(data: &Value) -> Vec<Mail> {
    let ses = &data["ses"];
    let list = |key: &str| ses[key].as_array().cloned().unwrap_or_default();
    let mut out: Vec<Mail> = list("RawMessage")
        .iter()
        .rev()
        .map(|m| {
            let mut mail = parse_raw(m["raw_data"].as_str().unwrap_or_default());
            let destinations = strings(&m["destinations"]);
            if !destinations.is_empty() {
                mail.to = dedup(destinations);
            }
            mail
        })
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(sent_at_key(m)));
    out.extend(list("Message").iter().rev().map(|m| {
        let destinations = &m["destinations"];
        let to = ["ToAddresses", "CcAddresses", "BccAddresses"]
            .iter()
            .flat_map(|k| strings(&destinations[*k]))
            .collect();
        Mail {
            to: dedup(to),
            subject: m["subject"].as_str().map(str::to_string),
            text: None,
            html: m["body"].as_str().map(str::to_string),
            sent_at: None,
        }
    }));
    out
}

fn sent_at_key(mail: &Mail) -> Option<OffsetDateTime> {
    mail.sent_at
        .as_deref()
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Reads a MIME message: `To`, `Subject` (RFC 2047 encoded words decoded), `Date` (as
/// RFC 3339), and the first text/plain and text/html parts, nested multiparts included
/// (base64 and quoted-printable decoded, read as UTF-8).
pub fn parse_raw(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (headers, body) = split_entity(&raw);
    let mut mail = Mail {
        to: header(&headers, "to")
            .map(|v| {
                v.split(',')
                    .map(|a| address(a.trim()))
                    .filter(|a| !a.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        subject: header(&headers, "subject").map(decode_words),
        text: None,
        html: None,
        sent_at: header(&headers, "date")
            .and_then(|d| OffsetDateTime::parse(d.trim(), &Rfc2822).ok())
            .and_then(|d| d.format(&Rfc3339).ok()),
    };
    collect_parts(&headers, body, &mut mail);
    mail
}

type Headers = Vec<(String, String)>;

fn split_entity(entity: &str) -> (Headers, &str) {
    let (head, body) = match entity.find("\n\n") {
        Some(i) => (&entity[..i], &entity[i + 2..]),
        None => (entity, ""),
    };
    let mut headers: Headers = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `Name <a@b>` → `a@b`.
fn address(s: &str) -> String {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(start), Some(end)) if start < end => s[start + 1..end].to_string(),
        _ => s.to_string(),
    }
}

/// A Content-Type's media type (lower case) and one of its parameters.
fn content_type(headers: &Headers) -> (String, Option<String>) {
    let value = header(headers, "content-type").unwrap_or("text/plain");
    let mut pieces = value.split(';');
    let media = pieces
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let boundary = pieces.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary")).then(|| v.trim().trim_matches('"').to_string())
    });
    (media, boundary)
}

fn collect_parts(headers: &Headers, body: &str, mail: &mut Mail) {
    let (media, boundary) = content_type(headers);
    if media.starts_with("multipart/") {
        let Some(boundary) = boundary else { return };
        let delimiter = format!("--{boundary}");
        for part in body.split(&delimiter).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let part = part.strip_prefix('\n').unwrap_or(part);
            let (part_headers, part_body) = split_entity(part);
            collect_parts(&part_headers, part_body, mail);
        }
        return;
    }
    let slot = match media.as_str() {
        "text/plain" => &mut mail.text,
        "text/html" => &mut mail.html,
        _ => return,
    };
    if slot.is_none() {
        let encoding = header(headers, "content-transfer-encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        // The line break before a boundary belongs to the boundary.
        let body = body.strip_suffix('\n').unwrap_or(body);
        *slot = Some(decode_body(body, &encoding));
    }
}

fn decode_body(body: &str, encoding: &str) -> String {
    match encoding {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(compact) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => body.to_string(),
            }
        }
        "quoted-printable" => String::from_utf8_lossy(&quoted_printable(body, false)).into_owned(),
        _ => body.to_string(),
    }
}

/// Quoted-printable bytes; `words` for the Q encoding of RFC 2047 (`_` is a space).
fn quoted_printable(s: &str, words: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if words => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`); the white
/// space between two encoded words goes, as the RFC says.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let decoded = rest[start + 2..].splitn(3, '?').collect::<Vec<_>>();
        let word = (decoded.len() == 3)
            .then(|| {
                let (encoding, tail) = (decoded[1], decoded[2]);
                let end = tail.find("?=")?;
                let text = &tail[..end];
                let bytes = match encoding.to_ascii_uppercase().as_str() {
                    "B" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()?,
                    "Q" => quoted_printable(text, true),
                    _ => return None,
                };
                let consumed = start + 2 + decoded[0].len() + 1 + encoding.len() + 1 + end + 2;
                Some((String::from_utf8_lossy(&bytes).into_owned(), consumed))
            })
            .flatten();
        match word {
            Some((text, consumed)) => {
                let between = &rest[..start];
                if !(after_word && between.trim().is_empty()) {
                    out.push_str(between);
                }
                out.push_str(&text);
                rest = &rest[consumed..];
                after_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RAW: &str = "From: no-reply@studyloop.local\r\nTo: Kim <kim@example.com>\r\nDate: Thu, 03 Dec 2026 09:40:00 +0000\r\nSubject: =?UTF-8?B?7J2066mU7J28?= =?UTF-8?B?IOyduOymnQ==?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n7L2U65OcOiAxMjM0\r\nNTY=\r\n--b1\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>=EC=BD=94=EB=93=9C: <b>123456</b></p>\r\n--b1--\r\n";

    #[test]
    fn a_multipart_alternative_message_shows_its_text_and_html() {
        let mail = parse_raw(RAW);
        assert_eq!(mail.to, ["kim@example.com"]);
        assert_eq!(mail.subject.as_deref(), Some("이메일 인증"));
        assert_eq!(mail.text.as_deref(), Some("코드: 123456"));
        assert_eq!(mail.html.as_deref(), Some("<p>코드: <b>123456</b></p>"));
        assert_eq!(mail.sent_at.as_deref(), Some("2026-12-03T09:40:00Z"));
    }

    #[test]
    fn a_single_part_message_and_plain_headers() {
        let mail = parse_raw(
            "To: a@b.c, d@e.f\nSubject: Hello =?x\nContent-Type: text/plain\n\nhi there\n",
        );
        assert_eq!(mail.to, ["a@b.c", "d@e.f"]);
        assert_eq!(mail.subject.as_deref(), Some("Hello =?x"));
        assert_eq!(mail.text.as_deref(), Some("hi there"));
        assert_eq!(mail.html, None);
        assert_eq!(mail.sent_at, None);
        let q = decode_words("=?utf-8?Q?caf=C3=A9_time?= now");
        assert_eq!(q, "café time now");
    }

    #[test]
    fn data_json_lists_raw_messages_by_date_then_simple_ones_newest_first() {
        let raw = |to: &str, date: &str| {
            json!({
                "destinations": [to, to],
                "raw_data": format!("To: {to}\nDate: {date}\nSubject: s\nContent-Type: text/plain\n\n{to}\n"),
                "source": "no-reply@studyloop.local",
            })
        };
        let data = json!({ "ses": {
            "RawMessage": [
                raw("old@x.y", "Thu, 03 Dec 2026 09:00:00 +0000"),
                raw("new@x.y", "Thu, 03 Dec 2026 10:00:00 +0900"),
                raw("mid@x.y", "Thu, 03 Dec 2026 09:30:00 +0000"),
            ],
            "Message": [
                { "body": "<p>1</p>", "destinations": { "ToAddresses": ["s1@x.y"] }, "subject": "one" },
                { "body": "<p>2</p>", "destinations": { "ToAddresses": ["s2@x.y"], "CcAddresses": [] }, "subject": "two" },
            ],
        }});
        let mail = mail_from_data(&data);
        let to: Vec<&str> = mail.iter().map(|m| m.to[0].as_str()).collect();
        // 10:00 +0900 is 01:00 UTC: the oldest.
        assert_eq!(to, ["mid@x.y", "old@x.y", "new@x.y", "s2@x.y", "s1@x.y"]);
        assert_eq!(mail[0].to.len(), 1, "moto's doubled destination shows once");
        assert_eq!(mail[0].text.as_deref(), Some("mid@x.y"));
        assert_eq!(mail[3].html.as_deref(), Some("<p>2</p>"));
        assert_eq!(mail[3].text, None);
        let shown = serde_json::to_value(&mail[0]).unwrap();
        assert_eq!(shown["sentAt"], "2026-12-03T09:30:00Z");
        assert!(mail_from_data(&json!({})).is_empty());
    }
}
