//! Comments: counted on their post, listed oldest first, and `comment_added` for the post's
//! author (never for one's own post), through the outbox.

use std::time::Duration;

use e2e::{NOTIFICATIONS_CONSUMER, TestCloud, email};
use serde_json::{Value, json};

use crate::{UNKNOWN_ID, comment, create_post, get_post, id_of, list_all, post_path};

/// These tests read the notifications queue themselves, so its consumer stays off (with it
/// on, it would take the messages first).
async fn cloud_without_the_consumer() -> TestCloud {
    TestCloud::start_with(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await
}

fn comment_events(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["type"] == "comment_added")
        .collect()
}

#[tokio::test]
async fn comments_are_counted_and_listed_oldest_first_in_pages() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Ask me anything", "body").await;
    let other = create_post(&t, &kim, "Quiet post", "body").await;
    let id = id_of(&post);

    let mut added = Vec::new();
    for i in 0..5 {
        let who = if i % 2 == 0 { &lee } else { &kim };
        let r = comment(&t, who, &id, &format!("comment {i}")).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["postId"], id.as_str());
        assert_eq!(r.body["authorId"], who.user_id.as_str());
        added.push(r.body);
    }
    let thread = format!("{}/comments", post_path(&id));
    assert_eq!(list_all(&t, &lee, &thread, 2).await, added);
    let counts = get_post(&t, &lee, &id).await.body;
    assert_eq!(
        (counts["commentCount"].clone(), counts["likeCount"].clone()),
        (json!(5), json!(0))
    );
    assert_eq!(
        get_post(&t, &lee, &id_of(&other)).await.body["commentCount"],
        0
    );
    let listed = list_all(&t, &lee, "/v1/community/posts", 10).await;
    assert_eq!(
        listed[1]["commentCount"], 5,
        "the feed shows the same count"
    );

    // A cursor belongs to its own thread.
    let page = t
        .call(
            "GET",
            &format!("{thread}?limit=1"),
            None,
            Some(&lee.access_token),
        )
        .await;
    let cursor = page.body["nextCursor"].as_str().unwrap_or_default();
    t.call(
        "GET",
        &format!("{}/comments?cursor={cursor}", post_path(&id_of(&other))),
        None,
        Some(&lee.access_token),
    )
    .await
    .problem(400, "validation_failed");
    t.call(
        "GET",
        &format!("{}/comments", post_path(UNKNOWN_ID)),
        None,
        Some(&lee.access_token),
    )
    .await
    .problem(404, "not_found");
    comment(&t, &lee, UNKNOWN_ID, "hello?")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_comment_notifies_the_posts_author_but_not_for_ones_own_post() {
    let t = cloud_without_the_consumer().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Study group?", "Who wants to join?").await;
    let id = id_of(&post);

    // Kim's own comment first: had it queued an event, the relay (in table order) would
    // have sent it before Lee's.
    assert_eq!(comment(&t, &kim, &id, "Me, of course").await.status, 201);
    let lees = comment(&t, &lee, &id, "Count me in").await;
    assert_eq!(lees.status, 201, "{}", lees.text);

    // Two welcomes and two email verification codes (sign-up), and Lee's comment.
    let events = t
        .receive_events("NotificationsQueue", 5, Duration::from_secs(20))
        .await;
    let comments = comment_events(&events);
    assert_eq!(comments.len(), 1, "{events:?}");
    let e = comments[0];
    assert_eq!(e["userId"], kim.user_id.as_str());
    assert_eq!(e["data"]["postId"], id.as_str());
    assert_eq!(e["data"]["postTitle"], "Study group?");
    assert_eq!(e["data"]["commentId"], lees.body["id"]);
    assert_eq!(e["data"]["commenterId"], lee.user_id.as_str());
    // The name in Lee's access token: the notification names the commenter.
    assert_eq!(e["data"]["commenterName"], "Lee");
    assert!(e["id"].as_str().is_some_and(|id| id.len() == 26));
}

#[tokio::test]
async fn a_crash_after_the_comment_is_written_still_notifies_the_author() {
    let t = cloud_without_the_consumer().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Crash test", "body").await;
    let id = id_of(&post);

    t.cloud
        .inject_fault("CommunityAddCommentFunction", "after_commit", 1);
    comment(&t, &lee, &id, "written, then the function died")
        .await
        .problem(502, "bad_gateway");

    let thread = list_all(&t, &kim, &format!("{}/comments", post_path(&id)), 10).await;
    assert_eq!(thread.len(), 1);
    assert_eq!(get_post(&t, &kim, &id).await.body["commentCount"], 1);
    // Two welcomes and two email verification codes (sign-up), and the comment's event.
    let events = t
        .receive_events("NotificationsQueue", 5, Duration::from_secs(20))
        .await;
    let comments = comment_events(&events);
    assert_eq!(comments.len(), 1, "{events:?}");
    assert_eq!(comments[0]["userId"], kim.user_id.as_str());
    assert_eq!(comments[0]["data"]["commentId"], thread[0]["id"]);
}
