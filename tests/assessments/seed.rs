//! The demo catalogue `make dev` seeds: idempotent, and enough for the whole flow.

use e2e::TestCloud;
use serde_json::{Value, json};

use crate::support::{plan_for, str_of, student, take};

#[tokio::test]
async fn the_demo_catalogue_seeds_once_and_carries_the_whole_flow() {
    let t = TestCloud::start().await;
    let first = t
        .cloud
        .invoke("AssessmentsSeedCatalogueFunction", json!({}))
        .await;
    let first = first.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(first["created"], true, "{first}");
    let again = t
        .cloud
        .invoke("AssessmentsSeedCatalogueFunction", json!({}))
        .await;
    assert_eq!(again.unwrap_or_else(|e| panic!("{e:?}"))["created"], false);
    let modules = t
        .cloud
        .invoke("LearningSeedCatalogueFunction", json!({}))
        .await;
    assert_eq!(
        modules.unwrap_or_else(|e| panic!("{e:?}")),
        json!({"modules": 18, "created": 18})
    );
    let modules = t
        .cloud
        .invoke("LearningSeedCatalogueFunction", json!({}))
        .await;
    assert_eq!(
        modules.unwrap_or_else(|e| panic!("{e:?}")),
        json!({"modules": 18, "created": 0})
    );

    let s = student(&t, "newcomer").await;
    let list = t
        .call("GET", "/v1/assessments", None, Some(&s.access_token))
        .await;
    let items = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{}", list.text);
    let diagnostic = &items[0];
    assert!(
        diagnostic["skills"]
            .as_array()
            .is_some_and(|s| s.len() >= 3)
    );
    let catalogue = t
        .call(
            "GET",
            "/v1/learning/modules?limit=100",
            None,
            Some(&s.access_token),
        )
        .await;
    // Per skill: the open modules at every level, and the demo program's premium one.
    let mut per_skill: std::collections::BTreeMap<(String, bool), Vec<u64>> = Default::default();
    for m in catalogue.body["items"].as_array().into_iter().flatten() {
        per_skill
            .entry((str_of(&m["skill"]).to_owned(), m["premium"] == true))
            .or_default()
            .push(m["level"].as_u64().unwrap_or(0));
    }
    for skill in diagnostic["skills"].as_array().into_iter().flatten() {
        let levels = |premium: bool| {
            per_skill
                .get(&(str_of(skill).to_owned(), premium))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(levels(false), [1, 2, 3, 4, 5], "{skill}");
        assert_eq!(levels(true), [5], "{skill}");
    }

    // A newcomer picks the second choice everywhere; the plan trains each skill under 0.8,
    // weakest first, at level 1 + floor(ratio × 5) (every level exists in the demo catalogue).
    let (attempt_id, grade) = take(&t, &s, str_of(&diagnostic["id"]), |_, _| false).await;
    let mut weak: Vec<(String, f64)> = grade["skills"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                str_of(&g["skill"]).to_owned(),
                g["ratio"].as_f64().unwrap_or(1.0),
            )
        })
        .filter(|(_, ratio)| *ratio < 0.8)
        .collect();
    weak.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    assert!(!weak.is_empty(), "{grade}");
    let expected: Vec<(Value, Value)> = weak
        .iter()
        .map(|(skill, ratio)| (json!(skill), json!(1 + (ratio * 5.0).floor() as u64)))
        .collect();
    let plan = plan_for(&t, &s, &attempt_id).await;
    let items: Vec<(Value, Value)> = plan["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| (i["skill"].clone(), i["level"].clone()))
        .collect();
    assert_eq!(items, expected, "{grade}");
    assert!(
        plan["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|i| i["moduleId"].is_string())
    );
}
