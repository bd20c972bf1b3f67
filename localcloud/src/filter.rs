//! Lambda event filtering: the subset of EventBridge patterns that event source mappings use.

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

/// A mapping's `FilterCriteria`: an event passes if any pattern matches (none = everything).
#[derive(Debug, Clone, Default)]
pub struct FilterCriteria {
    patterns: Vec<Value>,
}

impl FilterCriteria {
    /// From the template's `FilterCriteria: {Filters: [{Pattern: '<json>'}]}`.
    pub fn from_template(criteria: Option<&Value>) -> Result<Self> {
        let mut patterns = Vec::new();
        let filters = criteria
            .and_then(|c| c.get("Filters"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for filter in filters {
            let pattern = match filter.get("Pattern") {
                Some(Value::String(text)) => serde_json::from_str(text)
                    .with_context(|| format!("filter pattern is not JSON: {text}"))?,
                Some(object @ Value::Object(_)) => object.clone(),
                other => return Err(anyhow!("a filter needs a Pattern, got {other:?}")),
            };
            patterns.push(pattern);
        }
        Ok(FilterCriteria { patterns })
    }

    pub fn matches(&self, event: &Value) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| matches_pattern(p, event))
    }
}

/// Every field of the pattern must match; nested objects recurse, arrays hold leaf rules.
fn matches_pattern(pattern: &Value, event: &Value) -> bool {
    let Some(fields) = pattern.as_object() else {
        return false;
    };
    fields.iter().all(|(key, rule)| {
        let value = event.get(key);
        match rule {
            Value::Object(_) => value.is_some_and(|v| matches_pattern(rule, v)),
            Value::Array(rules) => rules.iter().any(|r| matches_rule(r, value)),
            _ => false,
        }
    })
}

/// One leaf rule against a field that may be missing, a scalar or an array of scalars.
fn matches_rule(rule: &Value, value: Option<&Value>) -> bool {
    if let Some(exists) = rule.get("exists").and_then(Value::as_bool) {
        return value.is_some() == exists;
    }
    let Some(value) = value else {
        return false;
    };
    match value {
        Value::Array(items) => items.iter().any(|item| matches_scalar(rule, item)),
        scalar => matches_scalar(rule, scalar),
    }
}

fn matches_scalar(rule: &Value, value: &Value) -> bool {
    let Value::Object(operator) = rule else {
        return equal(rule, value);
    };
    let Some((name, arg)) = operator.iter().next() else {
        return false;
    };
    match name.as_str() {
        "prefix" => text_test(arg, value, |v, a| v.starts_with(a)),
        "suffix" => text_test(arg, value, |v, a| v.ends_with(a)),
        "equals-ignore-case" => text_test(arg, value, |v, a| v.eq_ignore_ascii_case(a)),
        "anything-but" => match arg {
            Value::Array(excluded) => !excluded.iter().any(|e| equal(e, value)),
            Value::Object(_) => !matches_scalar(arg, value),
            single => !equal(single, value),
        },
        "numeric" => numeric(arg, value),
        _ => false,
    }
}

fn text_test(arg: &Value, value: &Value, test: impl Fn(&str, &str) -> bool) -> bool {
    matches!((value.as_str(), arg.as_str()), (Some(v), Some(a)) if test(v, a))
}

/// Numbers compare by value (`5` equals `5.0`), everything else exactly.
fn equal(expected: &Value, value: &Value) -> bool {
    match (expected.as_f64(), value.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => expected == value,
    }
}

/// `{"numeric": [">", 0, "<=", 5]}`: every comparison must hold.
fn numeric(arg: &Value, value: &Value) -> bool {
    let Some(number) = value.as_f64() else {
        return false;
    };
    let Some(terms) = arg.as_array() else {
        return false;
    };
    terms.len() % 2 == 0
        && terms.chunks(2).all(|pair| {
            let bound = pair[1].as_f64();
            match (pair[0].as_str(), bound) {
                (Some("="), Some(b)) => number == b,
                (Some("<"), Some(b)) => number < b,
                (Some("<="), Some(b)) => number <= b,
                (Some(">"), Some(b)) => number > b,
                (Some(">="), Some(b)) => number >= b,
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn criteria(patterns: &[&str]) -> FilterCriteria {
        let filters: Vec<Value> = patterns.iter().map(|p| json!({"Pattern": p})).collect();
        FilterCriteria::from_template(Some(&json!({"Filters": filters}))).unwrap()
    }

    #[test]
    fn the_outbox_pattern_matches_inserted_outbox_items_only() {
        let f = criteria(&[
            r#"{"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "OUTBOX#"}]}}}}"#,
        ]);
        let record = |name: &str, pk: &str| json!({"eventName": name, "dynamodb": {"Keys": {"pk": {"S": pk}}}});
        assert!(f.matches(&record("INSERT", "OUTBOX#1")));
        assert!(!f.matches(&record("MODIFY", "OUTBOX#1")));
        assert!(!f.matches(&record("INSERT", "USER#1")));
        assert!(!f.matches(&json!({"eventName": "INSERT"})));
    }

    #[test]
    fn no_filters_let_everything_through_and_several_are_or() {
        assert!(
            FilterCriteria::from_template(None)
                .unwrap()
                .matches(&json!({"a": 1}))
        );
        let f = criteria(&[r#"{"a": [1]}"#, r#"{"b": ["x"]}"#]);
        assert!(f.matches(&json!({"a": 1})));
        assert!(f.matches(&json!({"b": "x"})));
        assert!(!f.matches(&json!({"a": 2, "b": "y"})));
    }

    #[test]
    fn exists_matches_presence_and_absence() {
        let present = criteria(&[r#"{"body": {"id": [{"exists": true}]}}"#]);
        let absent = criteria(&[r#"{"body": {"id": [{"exists": false}]}}"#]);
        let with = json!({"body": {"id": "1"}});
        let without = json!({"body": {"other": 1}});
        assert!(present.matches(&with) && !present.matches(&without));
        assert!(absent.matches(&without) && !absent.matches(&with));
    }

    #[test]
    fn anything_but_excludes_listed_values() {
        let f = criteria(&[r#"{"type": [{"anything-but": ["welcome", "test"]}]}"#]);
        assert!(f.matches(&json!({"type": "order_confirmed"})));
        assert!(!f.matches(&json!({"type": "welcome"})));
        assert!(!f.matches(&json!({})));
    }

    #[test]
    fn numeric_ranges_and_exact_numbers() {
        let f = criteria(&[r#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#]);
        assert!(f.matches(&json!({"n": 5})));
        assert!(!f.matches(&json!({"n": 0})));
        assert!(!f.matches(&json!({"n": "3"})));
        let exact = criteria(&[r#"{"n": [5]}"#]);
        assert!(exact.matches(&json!({"n": 5.0})));
    }

    #[test]
    fn arrays_in_the_event_match_if_any_element_does() {
        let f = criteria(&[r#"{"tags": ["b"]}"#]);
        assert!(f.matches(&json!({"tags": ["a", "b"]})));
        assert!(!f.matches(&json!({"tags": ["a"]})));
    }

    #[test]
    fn an_invalid_pattern_is_an_error() {
        assert!(
            FilterCriteria::from_template(Some(&json!({"Filters": [{"Pattern": "{"}]}))).is_err()
        );
    }
}
