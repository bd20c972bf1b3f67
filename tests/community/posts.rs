//! Posts: newest first with signed cursors, edited only by the author, deleted by the author
//! or an admin together with everything under them.

use e2e::{TestCloud, email};
use serde_json::json;

use crate::{UNKNOWN_ID, comment, create_post, get_post, id_of, like, list_all, post_path};

#[tokio::test]
async fn posts_are_listed_newest_first_in_signed_pages() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let mut made = Vec::new();
    for i in 0..5 {
        let who = if i % 2 == 0 { &kim } else { &lee };
        made.push(create_post(&t, who, &format!("post {i}"), "body").await);
    }

    let first = get_post(&t, &lee, &id_of(&made[0])).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body, made[0]);
    assert_eq!(first.body["authorId"], kim.user_id.as_str());

    let all = list_all(&t, &lee, "/v1/community/posts", 2).await;
    let titles: Vec<&str> = all.iter().filter_map(|p| p["title"].as_str()).collect();
    assert_eq!(titles, ["post 4", "post 3", "post 2", "post 1", "post 0"]);
    assert_eq!(all[4], made[0], "a listed post is the post itself");

    let default_page = t
        .call("GET", "/v1/community/posts", None, Some(&kim.access_token))
        .await;
    assert_eq!(default_page.body["items"].as_array().map(Vec::len), Some(5));
    assert!(default_page.body["nextCursor"].is_null());

    let page = t
        .call(
            "GET",
            "/v1/community/posts?limit=2",
            None,
            Some(&kim.access_token),
        )
        .await;
    let cursor = page.body["nextCursor"].as_str().unwrap_or_default();
    let mut tampered: Vec<char> = cursor.chars().collect();
    tampered[3] = if tampered[3] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    for bad in [
        format!("?cursor={tampered}"),
        "?cursor=garbage".to_owned(),
        "?limit=0".to_owned(),
        "?limit=101".to_owned(),
        "?limit=ten".to_owned(),
    ] {
        t.call(
            "GET",
            &format!("/v1/community/posts{bad}"),
            None,
            Some(&kim.access_token),
        )
        .await
        .problem(400, "validation_failed");
    }
    // A cursor of a comment thread is not a feed cursor.
    for i in 0..3 {
        comment(&t, &kim, &id_of(&made[0]), &format!("c{i}")).await;
    }
    let thread = t
        .call(
            "GET",
            &format!("{}/comments?limit=1", post_path(&id_of(&made[0]))),
            None,
            Some(&kim.access_token),
        )
        .await;
    let thread_cursor = thread.body["nextCursor"].as_str().unwrap_or_default();
    assert!(!thread_cursor.is_empty(), "{}", thread.text);
    let r = t
        .call(
            "GET",
            &format!("/v1/community/posts?cursor={thread_cursor}"),
            None,
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(
        r.problem(400, "validation_failed")["errors"][0]["field"],
        "cursor"
    );
}

#[tokio::test]
async fn only_the_author_edits_a_post() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Draft title", "Body stays").await;
    let path = post_path(&id_of(&post));

    let edited = t
        .call(
            "PATCH",
            &path,
            Some(json!({"title": "Final title"})),
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["title"], "Final title");
    assert_eq!(edited.body["body"], "Body stays");
    assert_eq!(edited.body["createdAt"], post["createdAt"]);
    let body_only = t
        .call(
            "PATCH",
            &path,
            Some(json!({"body": "New body"})),
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(
        (
            body_only.body["title"].clone(),
            body_only.body["body"].clone()
        ),
        (json!("Final title"), json!("New body"))
    );
    assert_eq!(get_post(&t, &lee, &id_of(&post)).await.body, body_only.body);

    for other in [&lee, &admin] {
        t.call(
            "PATCH",
            &path,
            Some(json!({"title": "Hijacked"})),
            Some(&other.access_token),
        )
        .await
        .problem(403, "forbidden");
    }
    assert_eq!(
        get_post(&t, &kim, &id_of(&post)).await.body["title"],
        "Final title"
    );
    t.call(
        "PATCH",
        &post_path(UNKNOWN_ID),
        Some(json!({"title": "x"})),
        Some(&kim.access_token),
    )
    .await
    .problem(404, "not_found");
    t.call("PATCH", &path, Some(json!({})), Some(&kim.access_token))
        .await
        .problem(400, "validation_failed");
    let both_bad = t
        .call(
            "PATCH",
            &path,
            Some(json!({"title": 7, "body": ""})),
            Some(&kim.access_token),
        )
        .await;
    both_bad.problem(400, "validation_failed");
    assert_eq!(both_bad.fields(), ["title", "body"]);
}

#[tokio::test]
async fn the_author_or_an_admin_deletes_a_post_with_its_comments_and_likes() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let kept = create_post(&t, &lee, "Kept", "stays").await;
    let by_author = create_post(&t, &kim, "Mine", "to delete").await;
    let by_admin = create_post(&t, &lee, "Spam", "to moderate").await;
    for post in [&by_author, &by_admin] {
        let id = id_of(post);
        assert_eq!(like(&t, &lee, &id, true).await, 204);
        assert_eq!(comment(&t, &lee, &id, "a comment").await.status, 201);
    }

    t.call(
        "DELETE",
        &post_path(&id_of(&by_author)),
        None,
        Some(&lee.access_token),
    )
    .await
    .problem(403, "forbidden");
    for (post, who) in [(&by_author, &kim), (&by_admin, &admin)] {
        let id = id_of(post);
        let r = t
            .call("DELETE", &post_path(&id), None, Some(&who.access_token))
            .await;
        assert_eq!(r.status, 204, "{}", r.text);

        // Gone from every endpoint, for everyone.
        get_post(&t, &kim, &id).await.problem(404, "not_found");
        t.call(
            "GET",
            &format!("{}/comments", post_path(&id)),
            None,
            Some(&lee.access_token),
        )
        .await
        .problem(404, "not_found");
        comment(&t, &lee, &id, "late")
            .await
            .problem(404, "not_found");
        assert_eq!(like(&t, &lee, &id, true).await, 404);
        assert_eq!(like(&t, &lee, &id, false).await, 404);
        t.call(
            "PATCH",
            &post_path(&id),
            Some(json!({"title": "x"})),
            Some(&kim.access_token),
        )
        .await
        .problem(404, "not_found");
        t.call("DELETE", &post_path(&id), None, Some(&who.access_token))
            .await
            .problem(404, "not_found");
    }
    let listed = list_all(&t, &kim, "/v1/community/posts", 10).await;
    assert_eq!(listed, [get_post(&t, &kim, &id_of(&kept)).await.body]);
    t.call(
        "DELETE",
        &post_path(UNKNOWN_ID),
        None,
        Some(&kim.access_token),
    )
    .await
    .problem(404, "not_found");
}

#[tokio::test]
async fn a_delete_that_dies_midway_hides_the_post_and_a_repeated_delete_finishes() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Half deleted", "body").await;
    let id = id_of(&post);
    like(&t, &lee, &id, true).await;
    comment(&t, &lee, &id, "still here?").await;

    t.cloud
        .inject_fault("CommunityDeletePostFunction", "after_mark", 1);
    t.call("DELETE", &post_path(&id), None, Some(&kim.access_token))
        .await
        .problem(502, "bad_gateway");

    // Marked before the crash: already gone for everyone, and nothing can be added.
    get_post(&t, &lee, &id).await.problem(404, "not_found");
    assert!(
        list_all(&t, &lee, "/v1/community/posts", 10)
            .await
            .is_empty()
    );
    assert_eq!(like(&t, &lee, &id, true).await, 404);
    comment(&t, &lee, &id, "late")
        .await
        .problem(404, "not_found");
    // Someone else cannot tell a half-deleted post from a missing one.
    t.call("DELETE", &post_path(&id), None, Some(&lee.access_token))
        .await
        .problem(404, "not_found");

    let finished = t
        .call("DELETE", &post_path(&id), None, Some(&kim.access_token))
        .await;
    assert_eq!(finished.status, 204, "{}", finished.text);
    t.call("DELETE", &post_path(&id), None, Some(&kim.access_token))
        .await
        .problem(404, "not_found");
}
