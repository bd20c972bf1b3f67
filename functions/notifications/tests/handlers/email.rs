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
