//! Likes: idempotent per user, and `likeCount` equal to the likes that exist, also when
//! many users like and unlike at once.

use e2e::{Session, TestCloud, email};

use crate::{UNKNOWN_ID, create_post, get_post, id_of, like, list_all};

#[tokio::test]
async fn a_like_is_idempotent_per_user() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let lee = t.sign_up(&email("lee"), "Lee").await;
    let post = create_post(&t, &kim, "Like me", "body").await;
    let id = id_of(&post);
    let count = || async { get_post(&t, &kim, &id).await.body["likeCount"].clone() };

    assert_eq!(like(&t, &lee, &id, true).await, 204);
    assert_eq!(like(&t, &lee, &id, true).await, 204);
    assert_eq!(count().await, 1);
    assert_eq!(
        like(&t, &kim, &id, true).await,
        204,
        "authors may like their own post"
    );
    assert_eq!(count().await, 2);
    assert_eq!(like(&t, &lee, &id, false).await, 204);
    assert_eq!(like(&t, &lee, &id, false).await, 204);
    assert_eq!(count().await, 1);
    assert_eq!(like(&t, &lee, &id, false).await, 204);
    assert_eq!(
        count().await,
        1,
        "unliking what was never liked changed the count"
    );

    assert_eq!(like(&t, &lee, UNKNOWN_ID, true).await, 404);
    assert_eq!(like(&t, &lee, UNKNOWN_ID, false).await, 404);
}

#[tokio::test]
async fn twenty_users_liking_and_unliking_at_once_leave_the_count_equal_to_the_likes() {
    let t = TestCloud::start().await;
    let author = t.sign_up(&email("author"), "Author").await;
    let post = create_post(&t, &author, "Popular", "body").await;
    let id = id_of(&post);
    let fans: Vec<Session> = futures::future::join_all((0..20).map(|i| {
        let t = &t;
        async move {
            t.sign_up(&email(&format!("fan{i}-")), &format!("Fan {i}"))
                .await
        }
    }))
    .await;

    // Each fan, all at once: like twice in parallel, unlike twice in parallel, like again;
    // the odd ones unlike once more. Ten likes remain.
    let runs = fans.iter().enumerate().map(|(i, fan)| {
        let (t, id) = (&t, &id);
        async move {
            let (a, b) = tokio::join!(like(t, fan, id, true), like(t, fan, id, true));
            let (c, d) = tokio::join!(like(t, fan, id, false), like(t, fan, id, false));
            let e = like(t, fan, id, true).await;
            let f = if i % 2 == 1 {
                like(t, fan, id, false).await
            } else {
                204
            };
            [a, b, c, d, e, f]
        }
    });
    let statuses = futures::future::join_all(runs).await;
    assert!(statuses.iter().flatten().all(|s| *s == 204), "{statuses:?}");

    let post = get_post(&t, &author, &id).await.body;
    assert_eq!(post["likeCount"], 10, "{post}");
    let listed = list_all(&t, &author, "/v1/community/posts", 10).await;
    assert_eq!(listed[0]["likeCount"], 10);
    // The remaining likes are exactly the even fans': each of them liking again changes
    // nothing, each odd fan's unlike changes nothing.
    for (i, fan) in fans.iter().enumerate() {
        assert_eq!(like(&t, fan, &id, i % 2 == 0).await, 204);
    }
    assert_eq!(get_post(&t, &author, &id).await.body["likeCount"], 10);
}
