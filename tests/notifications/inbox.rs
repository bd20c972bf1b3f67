//! The inbox: sign-up's welcome end to end, rendering per locale, reading, paging, others'
//! items, and the unread count under concurrency.

use std::collections::HashSet;
use std::time::Duration;

use e2e::TestCloud;
use serde_json::json;

use crate::{cloud, drained, event, ids, inbox, read_all, send, user, wait_for};

#[tokio::test]
async fn sign_up_puts_a_welcome_notification_in_the_inbox() {
    let t = TestCloud::start().await;
    let (s, id) = user(&t, "welcome").await;
    let page = inbox(&t, &s).await;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{page}");
    let welcome = &items[0];
    assert_eq!(welcome["id"], id.as_str());
    assert_eq!(id.len(), 26);
    assert_eq!(welcome["type"], "welcome");
    // Korean unless the user chose otherwise, addressed by the name given at sign-up.
    assert_eq!(welcome["title"], "studyloop에 오신 것을 환영해요");
    assert!(
        welcome["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Minji님,")),
        "{welcome}"
    );
    assert!(
        welcome["createdAt"]
            .as_str()
            .is_some_and(|c| c.ends_with('Z'))
    );
    assert!(welcome["readAt"].is_null());
    assert_eq!(page["unreadCount"], 1);
    assert!(page["nextCursor"].is_null());
}

#[tokio::test]
async fn the_users_locale_picks_the_language() {
    let t = TestCloud::start().await;
    let (s, _) = user(&t, "locale").await;
    let r = t
        .call(
            "PUT",
            "/v1/notifications/preferences",
            Some(json!({"locale": "en", "kakao": {"enabled": false}})),
            Some(&s.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let graded = event(
        "attempt_graded",
        &s.user_id,
        json!({"score": 7, "maxScore": 10, "assessmentTitle": "Algebra"}),
    );
    let id = graded["id"].as_str().unwrap_or_default();
    send(&t, &graded).await;
    let page = wait_for(&t, &s, id).await;
    let item = &page["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["title"], "Your results are in");
    assert_eq!(item["body"], "You scored 7 out of 10 on Algebra.");
    assert_eq!(item["createdAt"], "2026-11-24T12:00:00Z");
}

#[tokio::test]
async fn marking_read_counts_once_and_read_all_marks_the_rest() {
    let t = TestCloud::start().await;
    let (s, welcome) = user(&t, "reader").await;
    let events: Vec<_> = (0..3)
        .map(|_| event("plan_ready", &s.user_id, json!({})))
        .collect();
    for e in &events {
        send(&t, e).await;
    }
    let last = events[2]["id"].as_str().unwrap_or_default();
    for e in &events {
        wait_for(&t, &s, e["id"].as_str().unwrap_or_default()).await;
    }
    assert_eq!(inbox(&t, &s).await["unreadCount"], 4);

    let path = format!("/v1/notifications/{last}/read");
    let first = t.call("POST", &path, None, Some(&s.access_token)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["id"], last);
    assert_eq!(first.body["type"], "plan_ready");
    assert!(
        first.body["readAt"]
            .as_str()
            .is_some_and(|r| r.ends_with('Z'))
    );
    assert_eq!(inbox(&t, &s).await["unreadCount"], 3);

    // Again: the same answer, and the count does not move.
    let again = t.call("POST", &path, None, Some(&s.access_token)).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["readAt"], first.body["readAt"]);
    assert_eq!(inbox(&t, &s).await["unreadCount"], 3);

    let all = read_all(&t, &s).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["marked"], 3);
    assert_eq!(all.body["unreadCount"], 0);
    let page = inbox(&t, &s).await;
    assert_eq!(page["unreadCount"], 0);
    assert!(
        page["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|i| i["readAt"].is_string())),
        "{page}"
    );
    assert!(ids(&page).contains(&welcome));

    let none_left = read_all(&t, &s).await;
    assert_eq!(none_left.body["marked"], 0);
    assert_eq!(inbox(&t, &s).await["unreadCount"], 0);
}

#[tokio::test]
async fn another_users_notification_is_not_found() {
    let t = TestCloud::start().await;
    let (alice, alices) = user(&t, "alice").await;
    let (bob, _) = user(&t, "bob").await;

    let path = format!("/v1/notifications/{alices}/read");
    t.call("POST", &path, None, Some(&bob.access_token))
        .await
        .problem(404, "not_found");
    // Bob's attempt changed nothing of Alice's.
    let page = inbox(&t, &alice).await;
    assert_eq!(page["unreadCount"], 1);
    assert!(page["items"][0]["readAt"].is_null());
    assert!(!ids(&inbox(&t, &bob).await).contains(&alices));

    let unknown = format!("/v1/notifications/{}/read", shared::new_id());
    t.call("POST", &unknown, None, Some(&alice.access_token))
        .await
        .problem(404, "not_found");
    let bad = t
        .call(
            "POST",
            "/v1/notifications/not-an-id/read",
            None,
            Some(&alice.access_token),
        )
        .await;
    bad.problem(400, "validation_failed");
    assert_eq!(bad.fields(), ["id"]);
    for (method, path) in [
        ("GET", "/v1/notifications"),
        ("POST", "/v1/notifications/read-all"),
        ("POST", path.as_str()),
    ] {
        t.call(method, path, None, None)
            .await
            .problem(401, "unauthorized");
    }
    t.call("GET", "/v1/notifications", None, Some("not.a.token"))
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn the_inbox_pages_newest_first_with_a_cursor_bound_to_its_owner() {
    let t = TestCloud::start().await;
    let (s, welcome) = user(&t, "pager").await;
    let (other, _) = user(&t, "other").await;
    let mut sent = Vec::new();
    for _ in 0..5 {
        let e = event("plan_completed", &s.user_id, json!({}));
        sent.push(e["id"].as_str().unwrap_or_default().to_owned());
        send(&t, &e).await;
        // Ids are ULIDs: a new millisecond makes their order (the inbox's) certain.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for id in &sent {
        wait_for(&t, &s, id).await;
    }
    // The welcome was created first, so it is the oldest.
    let mut expected: Vec<String> = sent.iter().rev().cloned().collect();
    expected.push(welcome);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/notifications?limit=2&cursor={c}"),
            None => "/v1/notifications?limit=2".to_owned(),
        };
        let r = t.call("GET", &path, None, Some(&s.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["unreadCount"], 6);
        seen.extend(ids(&r.body));
        pages += 1;
        match r.body["nextCursor"].as_str() {
            Some(c) => {
                // Someone else's cursor does not open this list to them.
                t.call(
                    "GET",
                    &format!("/v1/notifications?cursor={c}"),
                    None,
                    Some(&other.access_token),
                )
                .await
                .problem(400, "validation_failed");
                let mut tampered = c.to_owned();
                tampered.insert(3, 'x');
                let r = t
                    .call(
                        "GET",
                        &format!("/v1/notifications?cursor={tampered}"),
                        None,
                        Some(&s.access_token),
                    )
                    .await;
                r.problem(400, "validation_failed");
                assert_eq!(r.fields(), ["cursor"]);
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 3, "the last page hands out no cursor");

    for limit in ["0", "101", "ten"] {
        let r = t
            .call(
                "GET",
                &format!("/v1/notifications?limit={limit}"),
                None,
                Some(&s.access_token),
            )
            .await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), ["limit"]);
    }
}

#[tokio::test]
async fn the_unread_count_stays_right_under_concurrent_reads_and_arrivals() {
    let t = cloud(None).await;
    let (s, _) = user(&t, "busy").await;
    let events: Vec<_> = (0..40)
        .map(|i| {
            event(
                "comment_added",
                &s.user_id,
                json!({"postTitle": format!("post {i}")}),
            )
        })
        .collect();

    // Arrivals, while two readers mark whatever they see, each item twice at once, and
    // read-all runs in between.
    let arrivals = async {
        for chunk in events.chunks(5) {
            for e in chunk {
                send(&t, e).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let reader = |round_trips: usize| {
        let (t, s) = (&t, &s);
        async move {
            for round in 0..round_trips {
                let page = inbox(t, s).await;
                let count = page["unreadCount"].as_i64().unwrap_or(-1);
                assert!(count >= 0, "{page}");
                let unread: Vec<String> = page["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter(|i| i["readAt"].is_null())
                            .filter_map(|i| i["id"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let marks = unread.iter().take(4).flat_map(|id| {
                    let path = format!("/v1/notifications/{id}/read");
                    [path.clone(), path]
                });
                let answers = futures::future::join_all(marks.map(|path| async move {
                    t.call("POST", &path, None, Some(&s.access_token)).await
                }))
                .await;
                for a in answers {
                    assert_eq!(a.status, 200, "{}", a.text);
                }
                if round % 3 == 2 {
                    let all = read_all(t, s).await;
                    assert_eq!(all.status, 200, "{}", all.text);
                }
            }
        }
    };
    tokio::join!(arrivals, reader(8), reader(8));

    for e in &events {
        wait_for(&t, &s, e["id"].as_str().unwrap_or_default()).await;
    }
    drained(&t).await;
    // At rest, the counter equals the unread items, however the races went.
    let page = inbox(&t, &s).await;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 41, "{page}");
    let unread = items.iter().filter(|i| i["readAt"].is_null()).count();
    assert_eq!(page["unreadCount"], unread as i64, "{page}");
    let unique: HashSet<_> = ids(&page).into_iter().collect();
    assert_eq!(unique.len(), 41);

    let all = read_all(&t, &s).await;
    assert_eq!(all.body["marked"], unread as i64);
    assert_eq!(inbox(&t, &s).await["unreadCount"], 0);
}

#[tokio::test]
async fn a_comment_notification_names_the_commenter_and_the_post() {
    let t = TestCloud::start().await;
    let (author, _) = user(&t, "author").await;
    let commenter = t.sign_up(&e2e::email("commenter"), "Lee").await;
    let post = t
        .call(
            "POST",
            "/v1/community/posts",
            Some(json!({"title": "Listening tips", "body": "Share yours"})),
            Some(&author.access_token),
        )
        .await;
    assert_eq!(post.status, 201, "{}", post.text);
    let id = post.body["id"].as_str().unwrap_or_default();
    let comment = t
        .call(
            "POST",
            &format!("/v1/community/posts/{id}/comments"),
            Some(json!({"body": "Shadowing works"})),
            Some(&commenter.access_token),
        )
        .await;
    assert_eq!(comment.status, 201, "{}", comment.text);
    let page = crate::inbox_until(&t, &author, "comment_added", |page| {
        page["items"][0]["type"] == "comment_added"
    })
    .await;
    assert_eq!(page["items"][0]["title"], "새 댓글이 달렸어요");
    assert_eq!(
        page["items"][0]["body"],
        "Lee님이 'Listening tips'에 댓글을 남겼어요."
    );
}
