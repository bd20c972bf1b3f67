//! An account's deletion reaches community's queue as `user_deleted`: what the person wrote
//! goes, counts stay right, and the relay has kept no sent event behind.

use std::time::{Duration, Instant};

use e2e::TestCloud;
use serde_json::json;

use crate::{comment, create_post, get_post, id_of, like};

#[tokio::test]
async fn user_deleted_on_communitys_queue_erases_the_authors_posts_comments_and_likes() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&e2e::email("erase-kim"), "Kim").await;
    let lee = t.sign_up(&e2e::email("erase-lee"), "Lee").await;
    let kims = id_of(&create_post(&t, &kim, "Kim's", "text").await);
    let lees = id_of(&create_post(&t, &lee, "Lee's", "text").await);
    assert_eq!(comment(&t, &kim, &lees, "from Kim").await.status, 201);
    assert_eq!(like(&t, &kim, &lees, true).await, 204);
    assert_eq!(comment(&t, &lee, &kims, "from Lee").await.status, 201);
    assert_eq!(comment(&t, &lee, &lees, "Lee's own").await.status, 201);

    t.send_user_deleted("CommunityQueue", &kim.user_id).await;

    let deadline = Instant::now() + Duration::from_secs(20);
    while get_post(&t, &lee, &kims).await.status != 404 {
        assert!(Instant::now() < deadline, "Kim's post is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The post reads 404 from the erasure's first write; the rest of Kim follows.
    t.until_forgotten(&["CommunityTable"], &kim.user_id, Duration::from_secs(20))
        .await;
    let left = get_post(&t, &lee, &lees).await;
    assert_eq!(left.status, 200, "{}", left.text);
    assert_eq!(
        (
            left.body["commentCount"].clone(),
            left.body["likeCount"].clone()
        ),
        (json!(1), json!(0)),
        "{}",
        left.text
    );
    let items = t.scan("CommunityTable").await;
    // The comment_added events were sent, and the relay deleted them once sent.
    let outbox: Vec<_> = items
        .iter()
        .filter(|item| format!("{:?}", item.get("pk")).contains("OUTBOX#"))
        .collect();
    assert!(outbox.is_empty(), "{outbox:?}");
}
