//! Account email end to end (issue 13): the code that sign-up emails, read back at
//! `GET /_localcloud/mail` as a person would read it, verifies the address.

use std::time::{Duration, Instant};

use e2e::{TestCloud, email};
use serde_json::{Value, json};

/// How long a test waits for a message to reach the mail catcher.
const PATIENCE: Duration = Duration::from_secs(30);

/// The six-digit code in `text` (the only run of exactly six digits).
pub fn code_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

/// Waits for the `n`th message to `to` whose subject is `subject` and answers its code.
pub async fn nth_code(t: &TestCloud, to: &str, subject: &str, n: usize) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mail: Vec<Value> = t
            .mail_to(to)
            .await
            .into_iter()
            .filter(|m| m["subject"] == subject)
            .collect();
        if mail.len() >= n {
            // Newest first: the nth sent is counted from the end.
            let m = &mail[mail.len() - n];
            let text = m["text"].as_str().unwrap_or_default();
            return code_in(text).unwrap_or_else(|| panic!("no code in {m}"));
        }
        assert!(
            Instant::now() < deadline,
            "no message {n} {subject:?} to {to}: {:?}",
            t.mail_to(to).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The subject of the verification email (Korean, the default locale).
pub const VERIFY_SUBJECT: &str = "이메일 인증 코드";

#[tokio::test]
async fn the_code_emailed_at_sign_up_verifies_the_email() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("verify"), "Kim").await;
    let me = t
        .call("GET", "/v1/users/me", None, Some(&s.access_token))
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["emailVerified"], false);

    let code = nth_code(&t, &s.email, VERIFY_SUBJECT, 1).await;
    let verify = |code: String| {
        let t = &t;
        let token = s.access_token.clone();
        async move {
            t.call(
                "POST",
                "/v1/users/me/email/verify",
                Some(json!({ "code": code })),
                Some(&token),
            )
            .await
        }
    };
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap_or(0) + 1) % 1_000_000);
    verify(wrong).await.problem(400, "invalid_code");
    verify("12345".into())
        .await
        .problem(400, "validation_failed");

    let ok = verify(code.clone()).await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    let me = t
        .call("GET", "/v1/users/me", None, Some(&s.access_token))
        .await;
    assert_eq!(me.body["emailVerified"], true, "{}", me.text);
    // Again: already verified, fine.
    assert_eq!(verify(code).await.status, 204);

    let anonymous = t
        .call(
            "POST",
            "/v1/users/me/email/verify",
            Some(json!({"code": "123456"})),
            None,
        )
        .await;
    anonymous.problem(401, "unauthorized");
}

#[tokio::test]
async fn a_sixth_try_with_the_right_code_after_five_wrong_is_refused() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("spent"), "Lee").await;
    let code = nth_code(&t, &s.email, VERIFY_SUBJECT, 1).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap_or(0) + 1) % 1_000_000);
    for c in [
        wrong.clone(),
        wrong.clone(),
        wrong.clone(),
        wrong.clone(),
        wrong,
        code,
    ] {
        t.call(
            "POST",
            "/v1/users/me/email/verify",
            Some(json!({ "code": c })),
            Some(&s.access_token),
        )
        .await
        .problem(400, "invalid_code");
    }
    let me = t
        .call("GET", "/v1/users/me", None, Some(&s.access_token))
        .await;
    assert_eq!(me.body["emailVerified"], false);
}
