//! Secrets come from SSM Parameter Store (moto's, in the local cloud), the environment holding
//! only their names: a cold function reads the same secret as the one before it, and a
//! missing parameter ends the init with a sentence naming it, not a panic or a value.

use e2e::{TestCloud, email};
use serde_json::json;

const LIST_POSTS: &str = "CommunityListPostsFunction";

async fn create_post(t: &TestCloud, token: &str, title: &str) {
    let r = t
        .call(
            "POST",
            "/v1/community/posts",
            Some(json!({"title": title, "body": "body"})),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn a_cursor_signed_by_one_instance_is_read_by_the_next_cold_one() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    for i in 0..3 {
        create_post(&t, &kim.access_token, &format!("post {i}")).await;
    }
    let first = t
        .call(
            "GET",
            "/v1/community/posts?limit=2",
            None,
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let cursor = first.body["nextCursor"].as_str().unwrap_or_default();
    assert!(!cursor.is_empty(), "{}", first.text);

    // Discard the warm instance: the next request starts a new process, which reads the
    // cursor secret from SSM during its init.
    t.cloud.set_broken(LIST_POSTS, true);
    t.cloud.set_broken(LIST_POSTS, false);
    let second = t
        .call(
            "GET",
            &format!("/v1/community/posts?limit=2&cursor={cursor}"),
            None,
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let titles: Vec<&str> = second.body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|p| p["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(titles, ["post 0"]);

    // What the function was given is the parameter's name; the value is only in SSM.
    let secret = t
        .cloud
        .secret(LIST_POSTS, "CURSOR_SECRET_PARAMETER")
        .unwrap_or_default();
    assert!(secret.len() >= 32, "no cursor secret was put into SSM");
    let logs = t.logs();
    assert!(
        !logs.contains(&secret),
        "the cursor secret reached the logs"
    );
}

#[tokio::test]
async fn a_missing_parameter_ends_the_init_with_its_name() {
    // An empty value is not put: the listing functions' parameter does not exist.
    let t = TestCloud::start_with(|o| {
        o.parameter_overrides
            .insert("CursorSecret".into(), String::new());
    })
    .await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let list = t
        .call("GET", "/v1/community/posts", None, Some(&kim.access_token))
        .await;
    assert_eq!(list.status, 502, "{}", list.text);
    let direct = t.cloud.invoke(LIST_POSTS, json!({})).await;
    assert!(direct.is_err(), "{direct:?}");

    let parameter = t
        .cloud
        .parameter("SecretsPrefix")
        .map(|prefix| format!("{prefix}/dev/cursor-secret"))
        .unwrap_or_default();
    // Logs arrive asynchronously from the function processes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let logs = t.logs();
    let init_error: Vec<&str> = logs
        .lines()
        .filter(|l| l.starts_with(&format!("[{LIST_POSTS}]")) && l.contains("Error:"))
        .collect();
    assert!(
        init_error.iter().any(|l| l.contains(&format!(
            "the secret {parameter} (named by CURSOR_SECRET_PARAMETER) could not be read: ParameterNotFound"
        ))),
        "{logs}"
    );
    assert!(!logs.contains("panicked"), "{logs}");
    // A function that holds no cursor secret is untouched.
    let me = t
        .call("GET", "/v1/users/me", None, Some(&kim.access_token))
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
}
