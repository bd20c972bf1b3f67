//! Account email end to end: an `email_verification` event on the real notifications queue,
//! the real consumer binary sending it through SES v2 to the local cloud's moto, and the
//! message read back at `GET /_localcloud/mail`, once, while the inbox never sees the code.

use serde_json::json;

use crate::{cloud, drained, event, eventually, ids, inbox, send, user};

#[tokio::test]
async fn a_verification_code_is_emailed_once_and_kept_out_of_the_inbox() {
    let t = cloud(None).await;
    let (s, _) = user(&t, "verify").await;
    let to = format!("code-{}@example.com", shared::new_id().to_ascii_lowercase());
    let e = event(
        "email_verification",
        &s.user_id,
        json!({"code": "493027", "email": to}),
    );
    // The same envelope twice, as a redelivery or a producer's retry would.
    tokio::join!(send(&t, &e), send(&t, &e));
    eventually("the code at /_localcloud/mail", || async {
        !t.mail_to(&to).await.is_empty()
    })
    .await;
    drained(&t).await;

    let mail = t.mail_to(&to).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0]["subject"], "이메일 인증 코드");
    assert!(
        mail[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("493027")),
        "{mail:?}"
    );
    assert!(
        mail[0]["html"]
            .as_str()
            .is_some_and(|h| h.contains("493027")),
        "{mail:?}"
    );
    assert!(
        mail[0]["sentAt"].as_str().is_some_and(|d| d.ends_with('Z')),
        "{mail:?}"
    );
    let page = inbox(&t, &s).await;
    let id = e["id"].as_str().unwrap_or_default();
    assert!(!ids(&page).iter().any(|i| i == id), "{page}");
}
