//! Handler tests: the sample events of `events/` (API Gateway HTTP API v2 payloads) through
//! the real handlers, in process, against the DynamoDB emulator with the template's table.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use community::{App, Store};
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::auth::{Claims, Jwks, Role, TokenSigner, TokenVerifier};
use shared::clock::FixedClock;
use shared::cursor::CursorCodec;
use shared::http::respond;
use time::macros::datetime;

struct Harness {
    app: App,
    signer: TokenSigner,
    client: aws_sdk_dynamodb::Client,
    table: String,
    _db: localcloud::DynamoFixture,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn harness() -> Harness {
    let db = localcloud::dynamo_with_tables(&root().join("template.yaml"))
        .await
        .unwrap_or_else(|e| panic!("emulator: {e:#}"));
    let table = db.tables["CommunityTable"].clone();
    let client = db.client().await;
    let signer = TokenSigner::from_seed("test-key", &B64.encode([7u8; 32]))
        .unwrap_or_else(|e| panic!("{e}"));
    let jwks = serde_json::to_string(&Jwks {
        keys: vec![signer.public_jwk()],
    })
    .unwrap_or_default();
    let app = App {
        store: Store::new(client.clone(), table.clone()),
        verifier: TokenVerifier::from_jwks(&jwks).unwrap_or_else(|e| panic!("{e}")),
        cursors: Some(CursorCodec::new(b"a cursor secret of 32 characters!")),
        clock: Arc::new(FixedClock::at(datetime!(2026-11-24 12:00 UTC))),
    };
    Harness {
        app,
        signer,
        client,
        table,
        _db: db,
    }
}

impl Harness {
    fn token(&self, user_id: &str, role: Role) -> String {
        self.signer
            .sign(&Claims::access(user_id, role, self.app.clock.now()))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every item under a post's partition (the post, its comments, its likes).
    async fn post_items(&self, post_id: &str) -> usize {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", shared::dynamo::s(format!("POST#{post_id}")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        out.items().len()
    }

    async fn outbox_bodies(&self) -> Vec<Value> {
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(":p", shared::dynamo::s("OUTBOX#"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        out.items()
            .iter()
            .filter_map(|i| i.get("body").and_then(|b| b.as_s().ok()))
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect()
    }
}

/// What to change in a sample event.
#[derive(Default)]
struct With<'a> {
    body: Option<Value>,
    token: Option<&'a str>,
    post_id: Option<&'a str>,
    query: Option<Value>,
}

/// The sample event of `function`, changed as `with` says.
fn event(function: &str, with: With<'_>) -> Request {
    let path = root().join("events").join(format!("{function}.json"));
    let mut raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Some(b) = with.body {
        raw["body"] = Value::String(b.to_string());
    }
    if let Some(t) = with.token {
        raw["headers"]["authorization"] = Value::String(format!("Bearer {t}"));
    }
    if let Some(id) = with.post_id {
        raw["pathParameters"]["id"] = Value::String(id.to_owned());
    }
    if let Some(q) = with.query {
        // Cursors are base64url with a dot: nothing to percent-encode.
        let pairs: Vec<String> = q
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        raw["rawQueryString"] = Value::String(pairs.join("&"));
        raw["queryStringParameters"] = q;
    }
    lambda_http::request::from_str(&raw.to_string()).unwrap_or_else(|e| panic!("{function}: {e}"))
}

fn body_json(r: &Response<Body>) -> Value {
    serde_json::from_slice(r.body().as_ref()).unwrap_or(Value::Null)
}

macro_rules! call {
    ($h:expr, $handler:path, $req:expr) => {{
        let app = &$h.app;
        respond($req, &move |req: Request| $handler(app, req)).await
    }};
}

async fn create_post(h: &Harness, token: &str, title: &str) -> Value {
    let r = call!(
        h,
        community::posts::handle_create,
        event(
            "CreatePostFunction",
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
            "GetPostFunction",
            With {
                token: Some(token),
                post_id: Some(id),
                ..With::default()
            }
        )
    )
}

async fn like(h: &Harness, token: &str, id: &str, on: bool) -> StatusCode {
    let with = With {
        token: Some(token),
        post_id: Some(id),
        ..With::default()
    };
    let r = if on {
        call!(
            h,
            community::likes::handle_like,
            event("LikePostFunction", with)
        )
    } else {
        call!(
            h,
            community::likes::handle_unlike,
            event("UnlikePostFunction", with)
        )
    };
    r.status()
}

#[tokio::test]
async fn the_sample_post_is_created_read_and_listed_newest_first() {
    let h = harness().await;
    let kim = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let r = call!(
        h,
        community::posts::handle_create,
        event(
            "CreatePostFunction",
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
            "ListPostsFunction",
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
    let h = harness().await;
    let kim = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    for i in 0..3 {
        create_post(&h, &kim, &format!("post {i}")).await;
    }
    let page = |query: Value| {
        event(
            "ListPostsFunction",
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
    let h = harness().await;
    let author = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let fan = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student);
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
    assert_eq!(h.post_items(id).await, 2);

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
    let h = harness().await;
    let author = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let post = create_post(&h, &author, "popular").await;
    let id = post["id"].as_str().unwrap_or_default();
    let fans: Vec<String> = (0..20)
        .map(|i| {
            h.token(
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
    assert_eq!(h.post_items(id).await, 1 + 10);
}

#[tokio::test]
async fn a_comment_on_someone_elses_post_queues_comment_added_and_on_ones_own_does_not() {
    let h = harness().await;
    let author_id = "01JDQ2W0X1Y2Z3A4B5C6D7E8F9";
    let author = h.token(author_id, Role::Student);
    let reader = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student);
    let post = create_post(&h, &author, "Listening tips").await;
    let id = post["id"].as_str().unwrap_or_default();
    let comment = |token: &str, body: Option<Value>| {
        event(
            "AddCommentFunction",
            With {
                body,
                token: Some(token),
                post_id: Some(id),
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

    let events = h.outbox_bodies().await;
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
    assert_eq!(
        body_json(&get_post(&h, &author, id).await)["commentCount"],
        2
    );

    let list = call!(
        h,
        community::comments::handle_list,
        event(
            "ListCommentsFunction",
            With {
                token: Some(&reader),
                post_id: Some(id),
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
    let h = harness().await;
    let author = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8F9", Role::Student);
    let other = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FA", Role::Student);
    let admin = h.token("01JDQ2W0X1Y2Z3A4B5C6D7E8FB", Role::Admin);
    let post = create_post(&h, &author, "original").await;
    let id = post["id"].as_str().unwrap_or_default();
    let edit = |token: &str| {
        event(
            "UpdatePostFunction",
            With {
                token: Some(token),
                post_id: Some(id),
                ..With::default()
            },
        )
    };
    let delete = |token: &str| {
        event(
            "DeletePostFunction",
            With {
                token: Some(token),
                post_id: Some(id),
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
            "AddCommentFunction",
            With {
                token: Some(&other),
                post_id: Some(id),
                ..With::default()
            }
        )
    );
    assert_eq!(c.status(), StatusCode::CREATED);
    assert_eq!(h.post_items(id).await, 3);

    let refused = call!(h, community::delete::handle, delete(&other));
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let deleted = call!(h, community::delete::handle, delete(&admin));
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.post_items(id).await,
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
    assert_eq!(h.post_items(id).await, 0);
}
