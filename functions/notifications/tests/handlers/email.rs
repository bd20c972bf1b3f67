//! The email channel against moto's SES v2 (the local cloud's shared moto): refused from
//! a sender without an identity, accepted from one that has it, and read back from the
//! mail catcher with both parts.

use notifications::email_channel::EmailChannel;
use notifications::kakao::SendOutcome;
use notifications::model::Locale;
use notifications::templates::Rendered;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_from_the_senders_identity_reaches_moto_with_text_and_html() {
    let moto = localcloud::sqs::shared_moto(&root()).await.unwrap();
    let config = localcloud::sdk_config(&moto).await;
    let id = shared::new_id().to_ascii_lowercase();
    let sender = format!("sender-{id}@studyloop.local");
    let to = format!("kim-{id}@example.com");
    let rendered = Rendered {
        title: "Verify your email".to_string(),
        body: "Your code is 123456.".to_string(),
    };
    let channel = EmailChannel::new(&config, &sender);
    let now = time::OffsetDateTime::now_utc();

    let refused = channel.send(&to, Locale::En, &rendered, now).await;
    assert!(
        matches!(refused, SendOutcome::Rejected { .. }),
        "no identity yet: {refused:?}"
    );

    let http = reqwest::Client::new();
    localcloud::ses::create_identities(&http, &moto, std::slice::from_ref(&sender))
        .await
        .unwrap();
    let sent = channel.send(&to, Locale::En, &rendered, now).await;
    assert!(matches!(sent, SendOutcome::Accepted { .. }), "{sent:?}");

    let mail = localcloud::ses::mail(&http, &moto).await.unwrap();
    let mine: Vec<_> = mail.iter().filter(|m| m.to == [to.clone()]).collect();
    assert_eq!(mine.len(), 1, "{mail:?}");
    assert_eq!(mine[0].subject.as_deref(), Some("Verify your email"));
    assert_eq!(
        mine[0].text.as_deref(),
        Some("Verify your email\n\nYour code is 123456.")
    );
    assert!(
        mine[0]
            .html
            .as_deref()
            .unwrap()
            .contains("<p>Your code is 123456.</p>")
    );
}

/// A one-time code goes to the email alone, once however often the event comes, and an
/// email-only event without an address cannot be delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_code_is_emailed_once_and_never_reaches_the_inbox() {
    use notifications::consume::NotifyError;
    use serde_json::json;
    use shared::events::{Envelope, EventType};

    let h = super::harness().await;
    let moto = localcloud::sqs::shared_moto(&root()).await.unwrap();
    let config = localcloud::sdk_config(&moto).await;
    let http = reqwest::Client::new();
    let sender = "no-reply@studyloop.local".to_string();
    localcloud::ses::create_identities(&http, &moto, std::slice::from_ref(&sender))
        .await
        .unwrap();
    let mut consumer = super::consumer(&h);
    consumer.email = Some(EmailChannel::new(&config, &sender));
    let to = format!("kim-{}@example.com", shared::new_id().to_ascii_lowercase());

    let e = Envelope::new(
        EventType::EmailVerification,
        super::KIM,
        json!({"code": "493027", "email": to}),
        h.clock.as_ref(),
    );
    for _ in 0..2 {
        consumer.notify(&super::message(&e)).await.unwrap();
    }
    let mail = localcloud::ses::mail(&http, &moto).await.unwrap();
    let mine: Vec<_> = mail.iter().filter(|m| m.to == [to.clone()]).collect();
    assert_eq!(mine.len(), 1, "one email for a redelivered event: {mine:?}");
    assert_eq!(mine[0].subject.as_deref(), Some("이메일 인증 코드"));
    assert!(mine[0].text.as_deref().unwrap().contains("493027"));
    assert!(mine[0].html.as_deref().unwrap().contains("493027"));
    let inbox = super::list(&h, super::KIM).await;
    assert_eq!(inbox["unreadCount"], 0, "{inbox}");

    let no_address = Envelope::new(
        EventType::PasswordReset,
        super::KIM,
        json!({"code": "111111"}),
        h.clock.as_ref(),
    );
    let refused = consumer.notify(&super::message(&no_address)).await;
    assert!(
        matches!(refused, Err(NotifyError::Malformed(_))),
        "{refused:?}"
    );
}
