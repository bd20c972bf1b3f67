//! `user_deleted` on the notifications queue: the user's inbox, unread counter and
//! preferences (the phone) go, nothing is rendered, and a redelivery changes nothing.

use http::StatusCode;
use serde_json::json;
use shared::auth::Role;
use shared::dynamo::Item;
use shared::erasure::AccountEvent;
use shared::events::Envelope;
use testkit::{With, body_json, call};

use crate::{Harness, KIM, LEE, consumer, deliver, harness};

async fn items_of(h: &Harness, user: &str) -> Vec<Item> {
    h.db.scan("pk = :pk", &[(":pk", &format!("USER#{user}"))])
        .await
}

async fn with_phone(h: &Harness, user: &str) {
    let token = h.keys.token(user, Role::Student);
    let req = testkit::event(
        "NotificationsPutPreferencesFunction",
        With {
            token: Some(&token),
            ..With::default()
        },
    );
    let r = call!(h, notifications::preferences::handle_put, req);
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
}

#[tokio::test]
async fn user_deleted_erases_the_inbox_counter_and_preferences_and_again_changes_nothing() {
    let h = harness().await;
    deliver(&h, KIM, 3).await;
    deliver(&h, LEE, 2).await;
    with_phone(&h, KIM).await;
    with_phone(&h, LEE).await;
    let kims = items_of(&h, KIM).await;
    assert_eq!(kims.len(), 5, "three items, UNREAD, PREFS: {kims:?}");
    let lees = items_of(&h, LEE).await;

    let deleted = Envelope::new(AccountEvent::UserDeleted, KIM, json!({}), h.clock.as_ref());
    let c = consumer(&h);
    c.notify(&message_of(&deleted))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(items_of(&h, KIM).await, Vec::<Item>::new());
    assert_eq!(items_of(&h, LEE).await, lees, "Lee's stay");
    let everything = h.db.scan("attribute_exists(pk)", &[]).await;
    assert!(
        everything.iter().all(|i| !format!("{i:?}").contains(KIM)),
        "{everything:?}"
    );

    // Delivered again: succeeds, changes nothing.
    c.notify(&message_of(&deleted))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.db.scan("attribute_exists(pk)", &[]).await, everything);
}

#[tokio::test]
async fn a_user_deleted_naming_no_valid_user_is_malformed() {
    let h = harness().await;
    let deleted = Envelope::new(
        AccountEvent::UserDeleted,
        "USER#x PREFS",
        json!({}),
        h.clock.as_ref(),
    );
    let failed = consumer(&h).notify(&message_of(&deleted)).await;
    assert!(
        matches!(
            failed,
            Err(notifications::consume::NotifyError::Malformed(_))
        ),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_delivery_record_names_no_one() {
    let h = harness().await;
    let store = notifications::Store::new(h.db.client.clone(), h.db.table.clone());
    let event = shared::new_id();
    store
        .claim_delivery(
            &event,
            notifications::store::Channel::Kakao,
            "token",
            1_000,
            0,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let records =
        h.db.scan("begins_with(pk, :d)", &[(":d", "DELIVERY#")])
            .await;
    assert_eq!(records.len(), 1);
    assert!(!records[0].contains_key("userId"), "{records:?}");
}

/// `envelope` as an SQS message of the queue.
fn message_of(envelope: &Envelope<AccountEvent>) -> aws_lambda_events::event::sqs::SqsMessage {
    let mut m = aws_lambda_events::event::sqs::SqsMessage::default();
    m.message_id = Some(envelope.id.clone());
    m.body = Some(serde_json::to_string(envelope).unwrap_or_default());
    m
}

#[tokio::test]
async fn user_deleted_erases_the_comment_notifications_that_name_them_and_keeps_counts_right() {
    let h = harness().await;
    let c = consumer(&h);
    let comment = || {
        Envelope::new(
            shared::events::EventType::CommentAdded,
            LEE,
            json!({"postId": shared::new_id(), "postTitle": "Tips", "commentId": shared::new_id(),
                   "commenterId": KIM, "commenterName": "Kim Erased"}),
            h.clock.as_ref(),
        )
    };
    let (read, unread) = (comment(), comment());
    for e in [&read, &unread] {
        c.notify(&crate::message(e))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    deliver(&h, LEE, 1).await;
    let (status, _) = crate::mark_read(&h, LEE, &read.id).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(crate::stored_unread(&h, LEE).await, 2);

    let deleted = Envelope::new(AccountEvent::UserDeleted, KIM, json!({}), h.clock.as_ref());
    for _ in 0..2 {
        c.notify(&message_of(&deleted))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let lees = items_of(&h, LEE).await;
        assert!(
            lees.iter()
                .all(|i| !format!("{i:?}").contains("Kim Erased")),
            "{lees:?}"
        );
        assert_eq!(lees.len(), 2, "the welcome and UNREAD stay: {lees:?}");
        assert_eq!(
            crate::stored_unread(&h, LEE).await,
            1,
            "only the unread one counted off"
        );
    }
}
