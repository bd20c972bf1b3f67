//! Erasing a person everywhere: `DELETE /v1/users/me` queues one `user_deleted` envelope
//! (`{id, type: "user_deleted", occurredAt, userId, correlationId, data: {}}`) through the
//! users outbox to every domain that holds the person's data (docs/contract.md, "Deleting an
//! account").
//!
//! A domain's consumer recognises it with [`deleted_user`] before its own parser (its queue
//! also carries the domain's usual messages), erases what it keeps of the user, and succeeds
//! again on a redelivery: erasure is idempotent, so "erased" is a state, not a step.

use serde::{Deserialize, Serialize};

use crate::events::MessageKind;

/// The envelope `type` of an account's deletion.
pub const USER_DELETED: &str = "user_deleted";

/// What stands in an order's, a reservation's or a payment's `userId` once its customer
/// deleted their account: no person, and still a string where one is read.
pub const ERASED_CUSTOMER: &str = "deleted";

/// Sets the `userId` of the item at `key` to [`ERASED_CUSTOMER`], if the item exists:
/// a record kept for accounting forgets whom it was for. `false` if there is no such item.
/// Running it again changes nothing.
pub async fn forget_customer(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: crate::dynamo::Item,
) -> Result<bool, crate::store::StoreError> {
    crate::dynamo::written(
        client
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression("SET userId = :erased")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":erased", crate::dynamo::s(ERASED_CUSTOMER))
            .send()
            .await,
    )
}

/// The users domain's account events to the other domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEvent {
    UserDeleted,
}

impl MessageKind for AccountEvent {
    fn as_str(self) -> &'static str {
        match self {
            AccountEvent::UserDeleted => USER_DELETED,
        }
    }
}

/// The deleted user's id when `body` is a `user_deleted` envelope; `None` for any other
/// message, which the consumer then parses as it always did.
pub fn deleted_user(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        #[serde(rename = "type")]
        kind: String,
        user_id: String,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    (head.kind == USER_DELETED && !head.user_id.is_empty()).then_some(head.user_id)
}

/// Deletes every item whose partition key is `pk` in `table` (a user's partition: `USER#<id>`),
/// a page of keys at a time (consistent reads, so what a redelivery finds is what is left),
/// each page in batches of deletes. Safe to run again and concurrently: deleting what is gone
/// is not an error. Not atomic: an item written under `pk` while it runs may survive it, so
/// a domain erases only partitions that no new request can write to (the account is gone, so
/// no token is issued for it; one already issued lives its short lifetime). The number of
/// items deleted.
pub async fn delete_partition(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
) -> Result<usize, crate::store::StoreError> {
    use crate::dynamo::{delete_request, s};
    let mut pages = crate::paging::Pages::new(
        client
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk))
            .projection_expression("pk, sk")
            .consistent_read(true),
    );
    let mut deleted = 0;
    while let Some(keys) = pages.next().await? {
        deleted += keys.len();
        let requests = keys
            .into_iter()
            .map(delete_request)
            .collect::<Result<_, _>>()?;
        crate::dynamo::batch_write(client, table, requests).await?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clock::FixedClock;
    use crate::events::Envelope;

    #[test]
    fn a_user_deleted_envelope_names_its_user() {
        let clock = FixedClock::at(time::macros::datetime!(2026-12-03 12:00 UTC));
        let envelope = Envelope::new(AccountEvent::UserDeleted, "u-1", json!({}), &clock);
        let body = serde_json::to_string(&envelope).unwrap();
        assert!(body.contains("\"type\":\"user_deleted\""), "{body}");
        assert_eq!(deleted_user(&body).as_deref(), Some("u-1"));
    }

    #[test]
    fn any_other_message_is_left_to_its_consumer() {
        for body in [
            r#"{"id":"e","type":"attempt_graded","occurredAt":"x","userId":"u-1","data":{}}"#,
            r#"{"id":"e","type":"user_deleted","occurredAt":"x","userId":"","data":{}}"#,
            r#"{"id":"e","type":"user_deleted"}"#,
            "not json",
        ] {
            assert_eq!(deleted_user(body), None, "{body}");
        }
    }
}
