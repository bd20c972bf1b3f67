//! Handler tests: the sample events of `events/` (API Gateway HTTP API v2 payloads) through
//! the real handlers, in process, against the DynamoDB emulator with the template's table.

use community::App;
use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::auth::Role;
use testkit::{With, body_json, call, event};

type Harness = testkit::Harness<App>;

/// The template's table of this domain.
const TABLE: &str = "CommunityTable";

/// Every item under a post's partition (the post, its comments, its likes).
async fn post_items(h: &Harness, post_id: &str) -> usize {
    let out =
        h.db.client
            .query()
            .table_name(&h.db.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", shared::dynamo::s(format!("POST#{post_id}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    out.items().len()
}

async fn create_post(h: &Harness, token: &str, title: &str) -> Value {
    let r = call!(
        h,
        community::posts::handle_create,
        event(
            "CommunityCreatePostFunction",
            With {
                body: Some(json!({"title": title, "body": "text"})),
                token: Some(token),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)
}

async fn get_post(h: &Harness, token: &str, id: &str) -> Response<Body> {
    call!(
        h,
        community::posts::handle_get,
        event(
            "CommunityGetPostFunction",
            With {
                token: Some(token),
                id: Some(id),
                ..With::default()
            }
        )
    )
}

async fn like(h: &Harness, token: &str, id: &str, on: bool) -> StatusCode {
    let with = With {
        token: Some(token),
        id: Some(id),
        ..With::default()
    };
    let r = if on {
        call!(
            h,
            community::likes::handle_like,
            event("CommunityLikePostFunction", with)
        )
    } else {
        call!(
            h,
            community::likes::handle_unlike,
            event("CommunityUnlikePostFunction", with)
        )
    };
    r.status()
}

#[tokio::test]
async fn the_sample_post_is_created_read_and_listed_newest_first() {
    let h = Harness::start(TABLE).await;
    let kim = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let r = call!(
        h,
        community::posts::handle_create,
        event(
            "CommunityCreatePostFunction",
            With {
                token: Some(&kim),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let first = body_json(&r);
    assert_eq!(first["authorId"], "01JDQ2W0X1Y2Z3A4B5C6D7E8F9");
    assert!(first["body"].as_str().is_some_and(|b| b.contains('\n')));
    assert_eq!(
        (first["likeCount"].clone(), first["commentCount"].clone()),
        (json!(0), json!(0))
    );
    let second = create_post(&h, &kim, "second").await;

    let got = get_post(&h, &kim, first["id"].as_str().unwrap_or_default()).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(body_json(&got), first);

    let list = call!(
        h,
        community::posts::handle_list,
        event(
            "CommunityListPostsFunction",
            With {
                token: Some(&kim),
                ..With::default()
            }
        )
    );
    assert_eq!(list.status(), StatusCode::OK);
    let list = body_json(&list);
    assert_eq!(list["items"][0]["id"], second["id"]);
    assert_eq!(list["items"][1]["id"], first["id"]);
    assert_eq!(list["nextCursor"], Value::Null);
}

#[tokio::test]
async fn the_feed_pages_with_signed_cursors() {
    let h = Harness::start(TABLE).await;
    let kim = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    for i in 0..3 {
        create_post(&h, &kim, &format!("post {i}")).await;
    }
    let page = |query: Value| {
        event(
            "CommunityListPostsFunction",
            With {
                token: Some(&kim),
                query: Some(query),
                ..With::default()
            },
        )
    };
    let one = body_json(&call!(
        h,
        community::posts::handle_list,
        page(json!({"limit": "2"}))
    ));
    assert_eq!(one["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(one["items"][0]["title"], "post 2");
    let cursor = one["nextCursor"].as_str().unwrap_or_default().to_owned();
    let two = body_json(&call!(
        h,
        community::posts::handle_list,
        page(json!({"limit": "2", "cursor": cursor}))
    ));
    assert_eq!(two["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(two["items"][0]["title"], "post 0");
    assert_eq!(two["nextCursor"], Value::Null);

    let tampered = format!("{}x", &cursor[..cursor.len() - 1]);
    let r = call!(
        h,
        community::posts::handle_list,
        page(json!({"cursor": tampered}))
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&r)["errors"][0]["field"], "cursor");
}

#[tokio::test]
async fn a_like_counts_once_per_user_and_an_unlike_only_what_was_liked() {
    let h = Harness::start(TABLE).await;
    let author = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let fan = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student);
    let post = create_post(&h, &author, "likeable").await;
    let id = post["id"].as_str().unwrap_or_default();
    let count = || async { body_json(&get_post(&h, &author, id).await)["likeCount"].clone() };

    assert_eq!(like(&h, &fan, id, true).await, StatusCode::NO_CONTENT);
    assert_eq!(like(&h, &fan, id, true).await, StatusCode::NO_CONTENT);
    assert_eq!(count().await, 1);
    assert_eq!(like(&h, &author, id, true).await, StatusCode::NO_CONTENT);
    assert_eq!(count().await, 2);
    assert_eq!(like(&h, &fan, id, false).await, StatusCode::NO_CONTENT);
    assert_eq!(like(&h, &fan, id, false).await, StatusCode::NO_CONTENT);
    assert_eq!(count().await, 1);
    // Post + the author's like.
    assert_eq!(post_items(&h, id).await, 2);

    let unknown = "01JDQ2Y8Z9K3M4N5P6R7S8T9VW";
    assert_eq!(like(&h, &fan, unknown, true).await, StatusCode::NOT_FOUND);
    assert_eq!(like(&h, &fan, unknown, false).await, StatusCode::NOT_FOUND);
    assert_eq!(
        like(&h, &fan, "not-an-id", true).await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn concurrent_likes_and_unlikes_leave_the_count_equal_to_the_likes() {
    let h = Harness::start(TABLE).await;
    let author = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let post = create_post(&h, &author, "popular").await;
    let id = post["id"].as_str().unwrap_or_default();
    let fans: Vec<String> = (0..20)
        .map(|i| {
            h.keys.token(
                &shared::new_id(),
                if i % 7 == 0 {
                    Role::Admin
                } else {
                    Role::Student
                },
            )
        })
        .collect();
    // Everyone likes twice at once, then every other fan unlikes twice at once.
    let likes = fans.iter().chain(&fans).map(|t| like(&h, t, id, true));
    let statuses = futures::future::join_all(likes).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{statuses:?}"
    );
    let unlikes = fans
        .iter()
        .step_by(2)
        .chain(fans.iter().step_by(2))
        .map(|t| like(&h, t, id, false));
    futures::future::join_all(unlikes).await;

    let post = body_json(&get_post(&h, &author, id).await);
    assert_eq!(post["likeCount"], 10);
    assert_eq!(post_items(&h, id).await, 1 + 10);
}

#[tokio::test]
async fn a_comment_on_someone_elses_post_queues_comment_added_and_on_ones_own_does_not() {
    let h = Harness::start(TABLE).await;
    let author_id = "01JDQ2W0X1Y2Z3A4B5C6D7E8F9";
    let author = h.keys.token(author_id, Role::Student);
    let reader = h
        .keys
        .named_token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student, "민지");
    let post = create_post(&h, &author, "Listening tips").await;
    let id = post["id"].as_str().unwrap_or_default();
    let comment = |token: &str, body: Option<Value>| {
        event(
            "CommunityAddCommentFunction",
            With {
                body,
                token: Some(token),
                id: Some(id),
                ..With::default()
            },
        )
    };

    let r = call!(h, community::comments::handle_add, comment(&reader, None));
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let added = body_json(&r);
    assert_eq!(added["postId"], id);
    let own = call!(
        h,
        community::comments::handle_add,
        comment(&author, Some(json!({"body": "Thanks!"})))
    );
    assert_eq!(own.status(), StatusCode::CREATED);

    let events = h.db.outbox_bodies().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "comment_added");
    assert_eq!(events[0]["userId"], author_id);
    assert_eq!(events[0]["data"]["postId"], id);
    assert_eq!(events[0]["data"]["commentId"], added["id"]);
    assert_eq!(
        events[0]["data"]["commenterId"],
        "01JDQ2W0X1Y2Z3A4B5C6D7E8FA"
    );
    assert_eq!(events[0]["data"]["postTitle"], "Listening tips");
    assert_eq!(events[0]["data"]["commenterName"], "민지");
    assert_eq!(
        body_json(&get_post(&h, &author, id).await)["commentCount"],
        2
    );

    let list = call!(
        h,
        community::comments::handle_list,
        event(
            "CommunityListCommentsFunction",
            With {
                token: Some(&reader),
                id: Some(id),
                ..With::default()
            }
        )
    );
    let list = body_json(&list);
    assert_eq!(list["items"][0], added);
    assert_eq!(list["items"][1]["body"], "Thanks!");

    let too_long = call!(
        h,
        community::comments::handle_add,
        comment(&reader, Some(json!({"body": "x".repeat(2001)})))
    );
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body_json(&get_post(&h, &author, id).await)["commentCount"],
        2
    );
}

#[tokio::test]
async fn only_the_author_edits_and_the_author_or_an_admin_deletes_everything() {
    let h = Harness::start(TABLE).await;
    let author = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let other = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student);
    let admin = h.keys.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FB", Role::Admin);
    let post = create_post(&h, &author, "original").await;
    let id = post["id"].as_str().unwrap_or_default();
    let edit = |token: &str| {
        event(
            "CommunityUpdatePostFunction",
            With {
                token: Some(token),
                id: Some(id),
                ..With::default()
            },
        )
    };
    let delete = |token: &str| {
        event(
            "CommunityDeletePostFunction",
            With {
                token: Some(token),
                id: Some(id),
                ..With::default()
            },
        )
    };

    for token in [&other, &admin] {
        let r = call!(h, community::posts::handle_update, edit(token));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = call!(h, community::posts::handle_update, edit(&author));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        body_json(&r)["title"],
        "How do you practise listening? (edited)"
    );
    assert_eq!(body_json(&r)["body"], "text");

    like(&h, &other, id, true).await;
    let c = call!(
        h,
        community::comments::handle_add,
        event(
            "CommunityAddCommentFunction",
            With {
                token: Some(&other),
                id: Some(id),
                ..With::default()
            }
        )
    );
    assert_eq!(c.status(), StatusCode::CREATED);
    assert_eq!(post_items(&h, id).await, 3);

    let refused = call!(h, community::delete::handle, delete(&other));
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let deleted = call!(h, community::delete::handle, delete(&admin));
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        post_items(&h, id).await,
        0,
        "the post, its like and its comment are gone"
    );
    assert_eq!(
        get_post(&h, &author, id).await.status(),
        StatusCode::NOT_FOUND
    );
    let again = call!(h, community::delete::handle, delete(&author));
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(like(&h, &other, id, true).await, StatusCode::NOT_FOUND);
    assert_eq!(post_items(&h, id).await, 0);
}

// ------------------------------------------------------------------ erasure

async fn comment_on(h: &Harness, token: &str, post_id: &str) {
    let r = call!(
        h,
        community::comments::handle_add,
        event(
            "CommunityAddCommentFunction",
            With {
                token: Some(token),
                id: Some(post_id),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
}

/// The erase function's sample message with `body`; the ids of the messages that failed.
async fn deliver(h: &Harness, body: String) -> Vec<String> {
    let mut batch: aws_lambda_events::event::sqs::SqsEvent =
        testkit::sample_as("CommunityEraseUserFunction");
    batch.records[0].body = Some(body);
    community::erasure::handle_batch(&h.app, batch)
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

fn user_deleted(user_id: &str) -> String {
    json!({"id": "01JDEME0000000000000000009", "type": "user_deleted",
           "occurredAt": "2026-11-24T12:00:00Z", "userId": user_id, "data": {}})
    .to_string()
}

#[tokio::test]
async fn user_deleted_erases_what_the_person_wrote_and_keeps_every_count_right() {
    let h = Harness::start(TABLE).await;
    let (kim_id, lee_id) = ("01JDQ2W0X1Y2Z3A4B5C6D7E8K1", "01JDQ2W0X1Y2Z3A4B5C6D7E8L2");
    let kim = h.keys.token(kim_id, Role::Student);
    let lee = h.keys.token(lee_id, Role::Student);
    let kims = create_post(&h, &kim, "kim's").await;
    let lees = create_post(&h, &lee, "lee's").await;
    let (kims, lees) = (
        kims["id"].as_str().unwrap_or_default(),
        lees["id"].as_str().unwrap_or_default(),
    );
    // Kim on Lee's post: two comments and a like; Lee on Kim's post: a comment and a like;
    // Kim on her own post: a comment. Lee comments on his own post too.
    comment_on(&h, &kim, lees).await;
    comment_on(&h, &kim, lees).await;
    assert_eq!(like(&h, &kim, lees, true).await, StatusCode::NO_CONTENT);
    comment_on(&h, &lee, kims).await;
    assert_eq!(like(&h, &lee, kims, true).await, StatusCode::NO_CONTENT);
    comment_on(&h, &kim, kims).await;
    comment_on(&h, &lee, lees).await;

    let failed = deliver(&h, user_deleted(kim_id)).await;
    assert!(failed.is_empty(), "{failed:?}");

    // Kim's post is gone with everything on it; Lee's keeps his own comment, counted.
    assert_eq!(post_items(&h, kims).await, 0);
    assert_eq!(
        get_post(&h, &lee, kims).await.status(),
        StatusCode::NOT_FOUND
    );
    let after = body_json(&get_post(&h, &lee, lees).await);
    assert_eq!(
        (after["commentCount"].clone(), after["likeCount"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(post_items(&h, lees).await, 2, "the post and Lee's comment");
    let kims_items =
        h.db.scan(
            "contains(pk, :u) OR contains(sk, :u) OR authorId = :u OR userId = :u",
            &[(":u", kim_id)],
        )
        .await;
    assert_eq!(kims_items, Vec::new());

    // Delivered again: it succeeds and changes nothing.
    let before = h.db.scan("attribute_exists(pk)", &[]).await.len();
    assert!(deliver(&h, user_deleted(kim_id)).await.is_empty());
    assert_eq!(h.db.scan("attribute_exists(pk)", &[]).await.len(), before);
    let again = body_json(&get_post(&h, &lee, lees).await);
    assert_eq!(again, after);
}

#[tokio::test]
async fn anything_but_a_user_deleted_envelope_fails_for_good_and_erases_nothing() {
    let h = Harness::start(TABLE).await;
    let kim_id = "01JDQ2W0X1Y2Z3A4B5C6D7E8K1";
    let kim = h.keys.token(kim_id, Role::Student);
    let post = create_post(&h, &kim, "kept").await;
    for body in [
        "not json".to_owned(),
        json!({"id": "e", "type": "comment_added", "occurredAt": "x", "userId": kim_id, "data": {}})
            .to_string(),
        json!({"type": "user_deleted"}).to_string(),
    ] {
        assert_eq!(deliver(&h, body.clone()).await.len(), 1, "{body}");
    }
    let id = post["id"].as_str().unwrap_or_default();
    assert_eq!(get_post(&h, &kim, id).await.status(), StatusCode::OK);
}
