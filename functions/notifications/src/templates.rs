//! What each event says to its user, in Korean and in English: a title and a body per event
//! type, with `{key|fallback}` placeholders filled from the envelope's `data`.
//!
//! The match in [`template`] is exhaustive, so a new event type does not compile until it has
//! both texts. A value missing from `data` (an older or newer producer) falls back to the
//! placeholder's default instead of failing the message: a slightly vaguer notification
//! beats one that never arrives.

use serde_json::Value;
use shared::events::EventType;
use shared::money::Money;

use crate::model::Locale;

/// A rendered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub body: String,
}

/// One value from `data` is cut to this many characters: the producer is trusted, but the
/// inbox item and the provider message must stay small whatever it sends.
const MAX_VALUE_CHARS: usize = 100;

/// The (title, body) templates of `event` in `locale`.
pub fn template(event: EventType, locale: Locale) -> (&'static str, &'static str) {
    use EventType::*;
    use Locale::*;
    match (event, locale) {
        (Welcome, Ko) => (
            "studyloop에 오신 것을 환영해요",
            "{name|회원}님, 가입을 환영해요! 첫 검사를 보고 나만의 학습 계획을 받아 보세요.",
        ),
        (Welcome, En) => (
            "Welcome to studyloop",
            "Hi {name|there}, welcome aboard! Take your first assessment to get your own training plan.",
        ),
        (AttemptGraded, Ko) => (
            "검사 결과가 나왔어요",
            "{assessmentTitle|검사}에서 {maxScore|-}점 만점에 {score|-}점을 받았어요.",
        ),
        (AttemptGraded, En) => (
            "Your results are in",
            "You scored {score|-} out of {maxScore|-} on {assessmentTitle|your assessment}.",
        ),
        (PlanReady, Ko) => (
            "학습 계획이 준비됐어요",
            "약한 영역부터 연습할 수 있도록 학습 계획을 만들었어요. 지금 확인해 보세요.",
        ),
        (PlanReady, En) => (
            "Your training plan is ready",
            "We built a plan that starts with your weakest skills. Take a look.",
        ),
        (PlanCompleted, Ko) => (
            "학습 계획을 모두 마쳤어요",
            "축하해요! 계획의 모든 항목을 완료했어요. 검사를 다시 보고 얼마나 성장했는지 확인해 보세요.",
        ),
        (PlanCompleted, En) => (
            "Plan complete",
            "Congratulations! You finished every item of your plan. Retake an assessment to see how far you have come.",
        ),
        (CommentAdded, Ko) => (
            "새 댓글이 달렸어요",
            "{commenterName|누군가}님이 '{postTitle|내 글}'에 댓글을 남겼어요.",
        ),
        (CommentAdded, En) => (
            "New comment",
            "{commenterName|Someone} commented on \"{postTitle|your post}\".",
        ),
        (OrderConfirmed, Ko) => (
            "주문이 확정되었어요",
            "{productName|주문하신 상품} 주문이 확정되었어요. 결제 금액: {total|-}",
        ),
        (OrderConfirmed, En) => (
            "Order confirmed",
            "Your order for {productName|your program} is confirmed. Total: {total|-}.",
        ),
        (OrderCancelled, Ko) => (
            "주문이 취소되었어요",
            "{productName|주문하신 상품} 주문이 취소되었어요. 사유: {reason|-}",
        ),
        (OrderCancelled, En) => (
            "Order cancelled",
            "Your order for {productName|your program} was cancelled ({reason|-}).",
        ),
        (OrderRejected, Ko) => (
            "주문을 처리하지 못했어요",
            "{productName|주문하신 상품} 주문을 처리하지 못했어요. 사유: {reason|-}",
        ),
        (OrderRejected, En) => (
            "Order not placed",
            "We could not place your order for {productName|your program} ({reason|-}).",
        ),
        (PasswordChanged, Ko) => (
            "비밀번호가 변경되었어요",
            "계정의 비밀번호가 변경되어 모든 기기에서 로그아웃되었어요. 직접 변경하지 않았다면 지금 비밀번호를 재설정해 주세요.",
        ),
        (PasswordChanged, En) => (
            "Your password was changed",
            "Your account's password was changed and every device was signed out. If this wasn't you, reset your password now.",
        ),
        (Enrolled, Ko) => (
            "수강이 시작되었어요",
            "{programName|구매하신 프로그램}의 레슨이 모두 열렸어요. 지금 바로 시작해 보세요.",
        ),
        (Enrolled, En) => (
            "You're enrolled",
            "Every lesson of {programName|your program} is now open. Start whenever you like.",
        ),
        (EmailVerification, Ko) => (
            "이메일 인증 코드",
            "앱에 인증 코드 {code|-}를 입력해 이메일 주소를 인증해 주세요. 요청하지 않았다면 이 메시지를 무시하세요.",
        ),
        (EmailVerification, En) => (
            "Verify your email",
            "Enter the code {code|-} in the app to verify your email address. If you didn't sign up, ignore this message.",
        ),
        (PasswordReset, Ko) => (
            "비밀번호 재설정 코드",
            "비밀번호 재설정 코드는 {code|-}예요. 15분 동안 한 번만 쓸 수 있어요. 요청하지 않았다면 이 메시지를 무시하세요.",
        ),
        (PasswordReset, En) => (
            "Reset your password",
            "Your password reset code is {code|-}. It works once, within 15 minutes. If you didn't ask for it, ignore this message.",
        ),
    }
}

/// `event`'s notification in `locale`, filled from `data`.
pub fn render(event: EventType, locale: Locale, data: &Value) -> Rendered {
    let (title, body) = template(event, locale);
    Rendered {
        title: fill(title, data, locale),
        body: fill(body, data, locale),
    }
}

/// The placeholders of `event`'s texts (in either locale) that `data` has no value for:
/// each one shows its fallback. Empty whenever the producer sends what the contract's
/// events table says; the consumer counts the others (`NotificationFallback`).
pub fn missing(event: EventType, data: &Value) -> Vec<&'static str> {
    let mut keys = Vec::new();
    for locale in [Locale::Ko, Locale::En] {
        let (title, body) = template(event, locale);
        for key in placeholders(title).chain(placeholders(body)) {
            if value_text(key, &data[key], locale).is_none() && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The keys of a template's `{key|fallback}` placeholders, in order.
fn placeholders(template: &'static str) -> impl Iterator<Item = &'static str> {
    template.split('{').skip(1).filter_map(|part| {
        let spec = &part[..part.find('}')?];
        Some(spec.split_once('|').map_or(spec, |(key, _)| key))
    })
}

/// Replaces each `{key|fallback}` once; inserted values are never scanned again, so a
/// value holding braces stays text.
fn fill(template: &str, data: &Value, locale: Locale) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let spec = &after[..close];
        let (key, fallback) = spec.split_once('|').unwrap_or((spec, ""));
        match value_text(key, &data[key], locale) {
            Some(text) => out.push_str(&text),
            None => out.push_str(fallback),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A `data` value as text for a reader: strings cleaned and bounded, numbers as they are,
/// `{amount, currency}` as money, `reason` codes in words.
fn value_text(key: &str, value: &Value, locale: Locale) -> Option<String> {
    let text = match value {
        Value::String(s) => {
            if key == "reason"
                && let Some(words) = reason_words(s, locale)
            {
                return Some(words.to_owned());
            }
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
                .trim()
                .to_owned()
        }
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => format!("{}", (f * 100.0).round() / 100.0),
            _ => return None,
        },
        Value::Object(_) => money(value)?,
        _ => return None,
    };
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(MAX_VALUE_CHARS).collect())
}

/// `{"amount": 19000, "currency": "KRW"}` (minor units) as `19,000 KRW`; currencies with
/// cents as `12.50 USD` (see [`Money`]'s `Display`).
fn money(value: &Value) -> Option<String> {
    serde_json::from_value::<Money>(value.clone())
        .ok()
        .map(|m| m.to_string())
}

/// The order domain's reason codes (see the contract), in words.
fn reason_words(code: &str, locale: Locale) -> Option<&'static str> {
    Some(match (code, locale) {
        ("payment_declined", Locale::Ko) => "결제가 거절되었어요",
        ("payment_declined", Locale::En) => "the payment was declined",
        ("out_of_stock", Locale::Ko) => "재고가 부족해요",
        ("out_of_stock", Locale::En) => "it is out of stock",
        ("product_not_found", Locale::Ko) => "판매하지 않는 상품이에요",
        ("product_not_found", Locale::En) => "the program is not for sale",
        ("cancelled_by_customer", Locale::Ko) => "고객님의 요청",
        ("cancelled_by_customer", Locale::En) => "you cancelled it",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_event_type_renders_in_both_languages_even_without_data() {
        for event in crate::model::NOTIFICATION_TYPES {
            let ko = render(event, Locale::Ko, &json!({}));
            let en = render(event, Locale::En, &json!(null));
            for r in [&ko, &en] {
                assert!(!r.title.is_empty() && !r.body.is_empty(), "{event:?}");
                assert!(
                    !r.body.contains('{') && !r.body.contains('|'),
                    "{event:?}: {}",
                    r.body
                );
            }
            assert_ne!(ko, en, "{event:?}");
            assert!(
                ko.title.chars().any(|c| ('가'..='힣').contains(&c)),
                "{event:?}"
            );
            assert!(en.title.is_ascii(), "{event:?}");
        }
    }

    /// Each event type's `data` exactly as its producer builds it today (the contract's
    /// events table; each producer's own test asserts these fields are in its event).
    fn as_emitted(event: EventType) -> Value {
        use EventType::*;
        match event {
            // users: sign-up (`sign_up.rs`).
            Welcome => json!({"name": "민지"}),
            // assessments: submit (`submit::graded_event`).
            AttemptGraded => json!({
                "attemptId": "a1", "assessmentId": "s1", "assessmentTitle": "Fractions",
                "score": 7, "maxScore": 10, "skills": [], "submittedAt": "2026-11-24T12:00:00Z",
            }),
            // learning: the plan builder and a mastered session.
            PlanReady => json!({"planId": "p1", "attemptId": "a1", "items": []}),
            PlanCompleted => json!({"planId": "p1", "attemptId": "a1"}),
            // community: a comment (`comments::notification`), the name from the token.
            CommentAdded => json!({
                "postId": "p1", "postTitle": "Listening tips", "commentId": "c1",
                "commenterId": "u2", "commenterName": "Kim",
            }),
            // orders: the saga's end (`saga::notification`), once stock named the product.
            OrderConfirmed => json!({
                "orderId": "o1", "productName": "Premium", "total": "19,000 KRW", "reason": null,
            }),
            OrderCancelled => json!({
                "orderId": "o1", "productName": "Premium", "total": "19,000 KRW",
                "reason": "payment_declined",
            }),
            OrderRejected => json!({
                "orderId": "o1", "productName": "Premium", "total": null, "reason": "out_of_stock",
            }),
            // Contracted here; their producers come later.
            PasswordChanged => json!({}),
            Enrolled => json!({"programId": "g1", "programName": "TOEIC 900", "orderId": "o1"}),
            EmailVerification | PasswordReset => json!({"code": "493027"}),
        }
    }

    #[test]
    fn every_event_as_emitted_renders_without_fallback_text() {
        for event in crate::model::NOTIFICATION_TYPES {
            let data = as_emitted(event);
            assert_eq!(missing(event, &data), Vec::<&str>::new(), "{event:?}");
            for locale in [Locale::Ko, Locale::En] {
                let (title, body) = template(event, locale);
                let r = render(event, locale, &data);
                // The words a placeholder falls back to ("your assessment", "누군가").
                for fallback in [title, body].iter().flat_map(|t| t.split('|').skip(1)) {
                    let words = &fallback[..fallback.find('}').unwrap_or(0)];
                    if words.chars().count() > 1 {
                        assert!(!r.body.contains(words), "{event:?}: {}", r.body);
                    }
                }
            }
        }
    }

    #[test]
    fn a_missing_value_is_named() {
        assert_eq!(missing(EventType::Welcome, &json!({})), vec!["name"]);
        assert_eq!(
            missing(
                EventType::CommentAdded,
                &json!({"postTitle": "T", "commenterName": null})
            ),
            vec!["commenterName"]
        );
        assert_eq!(
            missing(
                EventType::AttemptGraded,
                &json!({"score": 1, "maxScore": 2, "assessmentTitle": " "})
            ),
            vec!["assessmentTitle"]
        );
        assert!(missing(EventType::PlanReady, &json!(null)).is_empty());
    }

    #[test]
    fn placeholders_are_filled_from_data() {
        let r = render(EventType::Welcome, Locale::Ko, &json!({"name": "민지"}));
        assert!(r.body.starts_with("민지님,"), "{}", r.body);
        let r = render(
            EventType::AttemptGraded,
            Locale::En,
            &json!({"score": 7, "maxScore": 10, "assessmentTitle": "Algebra"}),
        );
        assert_eq!(r.body, "You scored 7 out of 10 on Algebra.");
        let r = render(
            EventType::OrderConfirmed,
            Locale::Ko,
            &json!({"productName": "프리미엄", "total": {"amount": 1_219_000, "currency": "KRW"}}),
        );
        assert!(r.body.ends_with("결제 금액: 1,219,000 KRW"), "{}", r.body);
        let r = render(
            EventType::OrderCancelled,
            Locale::En,
            &json!({"reason": "payment_declined"}),
        );
        assert!(
            r.body.ends_with("(the payment was declined)."),
            "{}",
            r.body
        );
    }

    #[test]
    fn values_are_inserted_as_text_once_and_bounded() {
        let r = render(
            EventType::Welcome,
            Locale::En,
            &json!({"name": "{name|x}\u{7}".to_owned() + &"a".repeat(500)}),
        );
        assert!(r.body.starts_with("Hi {name|x} aaa"), "{}", r.body);
        assert!(r.body.chars().count() < 200);
        let r = render(
            EventType::Welcome,
            Locale::En,
            &json!({"name": ["not", "text"]}),
        );
        assert!(r.body.starts_with("Hi there,"), "{}", r.body);
    }

    #[test]
    fn money_keeps_minor_units() {
        assert_eq!(
            money(&json!({"amount": 1250, "currency": "USD"})).as_deref(),
            Some("12.50 USD")
        );
        assert_eq!(
            money(&json!({"amount": 999, "currency": "KRW"})).as_deref(),
            Some("999 KRW")
        );
        assert_eq!(money(&json!({"amount": 1, "currency": "won"})), None);
    }
}
