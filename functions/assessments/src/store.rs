//! The assessments table: every item this domain keeps, and nothing else.
//!
//! | pk                   | sk                 | what                                                  |
//! |----------------------|--------------------|-------------------------------------------------------|
//! | `ASSESSMENT#<id>`    | `ASSESSMENT`       | an assessment with its answers (`doc`), its `status`  |
//! | `CATALOGUE`          | `ASSESSMENT#<id>`  | a published assessment's summary, for the list        |
//! | `USER#<userId>`      | `ATTEMPT#<id>`     | an attempt: question snapshot, saved answers, result  |
//! | `OUTBOX#<event>`     | `<queue>`          | events waiting for the relay (see shared::outbox)     |
//!
//! An attempt lives under its owner's key, so another student's attempt id finds nothing
//! (404) and "my attempts" is one query, newest first (attempt ids are ULIDs). Its deadline
//! is stored as `deadlineMs` (epoch ms): `expiresAt` is the table's TTL attribute and would
//! delete the attempt.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use shared::ApiError;
use shared::cursor::CursorCodec;
use shared::dynamo::{
    AttributeValue, Item, get_i64, get_json as from_json, get_opt_str, get_str,
    is_condition_failed, key, n, put_new, s, to_json,
};
use shared::paging::{Page, PageRequest, query_page};

use crate::grading::Grade;
use crate::model::{
    Assessment, AssessmentStatus, AssessmentSummary, Attempt, AttemptSummary, status_at,
};

const CATALOGUE: &str = "CATALOGUE";
const IN_PROGRESS: &str = "in_progress";
const SUBMITTED: &str = "submitted";

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn assessment_key(id: &str) -> Item {
    key(format!("ASSESSMENT#{id}"), "ASSESSMENT")
}
fn catalogue_key(id: &str) -> Item {
    key(CATALOGUE, format!("ASSESSMENT#{id}"))
}
fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}
fn attempt_key(user_id: &str, id: &str) -> Item {
    key(user_pk(user_id), format!("ATTEMPT#{id}"))
}

fn with_key(mut item: Item, item_key: Item) -> Item {
    item.extend(item_key);
    item
}

impl Store {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), SdkError<TransactWriteItemsError>> {
        shared::transaction::write_once(&self.client, items).await
    }

    // ------------------------------------------------------------ assessments

    fn assessment_item(&self, a: &Assessment) -> Result<Item, ApiError> {
        Ok(with_key(
            HashMap::from([
                ("status".to_owned(), s(a.status.as_str())),
                ("doc".to_owned(), to_json(a)?),
            ]),
            assessment_key(&a.id),
        ))
    }

    fn catalogue_item(&self, summary: &AssessmentSummary) -> Result<Item, ApiError> {
        Ok(with_key(
            HashMap::from([("doc".to_owned(), to_json(summary)?)]),
            catalogue_key(&summary.id),
        ))
    }

    /// The put that creates `a` (a draft, or a published one with its catalogue entry).
    pub fn create_assessment(&self, a: &Assessment) -> Result<Vec<TransactWriteItem>, ApiError> {
        let mut items = vec![put_new(&self.table, self.assessment_item(a)?)?];
        if a.status == AssessmentStatus::Published {
            items.push(put_new(&self.table, self.catalogue_item(&a.summary())?)?);
        }
        Ok(items)
    }

    pub async fn assessment(&self, id: &str) -> Result<Option<Assessment>, ApiError> {
        shared::dynamo::get_item(&self.client, &self.table, assessment_key(id))
            .await?
            .map(|item| from_json(&item, "doc"))
            .transpose()
    }

    /// Publishes a draft: its status moves only from `draft`, and its catalogue entry
    /// appears in the same transaction. `false` when it was no longer a draft.
    pub async fn publish(&self, published: &Assessment) -> Result<bool, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(assessment_key(&published.id)))
            .update_expression("SET #status = :published, doc = :doc")
            .condition_expression("#status = :draft")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":published", s(AssessmentStatus::Published.as_str()))
            .expression_attribute_values(":draft", s(AssessmentStatus::Draft.as_str()))
            .expression_attribute_values(":doc", to_json(published)?)
            .build()
            .map_err(ApiError::internal)?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            put_new(&self.table, self.catalogue_item(&published.summary())?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(e) if shared::dynamo::failed_conditions(&e).is_some_and(|f| f.contains(&true)) => {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn published(
        &self,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<AssessmentSummary>, Option<String>), ApiError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(CATALOGUE))
            // Newest first: assessment ids are ULIDs.
            .scan_index_forward(false);
        let Page { items, next_cursor } = query_page(query, page, codec, scope).await?;
        let summaries = items
            .iter()
            .map(|item| from_json(item, "doc"))
            .collect::<Result<_, _>>()?;
        Ok((summaries, next_cursor))
    }

    // ------------------------------------------------------------ attempts

    pub fn create_attempt(&self, a: &Attempt) -> Result<TransactWriteItem, ApiError> {
        let item = HashMap::from([
            ("attemptId".to_owned(), s(&a.id)),
            ("userId".to_owned(), s(&a.user_id)),
            ("assessmentId".to_owned(), s(&a.assessment_id)),
            ("title".to_owned(), s(&a.title)),
            ("questions".to_owned(), to_json(&a.questions)?),
            ("answers".to_owned(), AttributeValue::M(HashMap::new())),
            ("status".to_owned(), s(IN_PROGRESS)),
            ("startedAt".to_owned(), s(&a.started_at)),
            ("endsAt".to_owned(), s(&a.expires_at)),
            ("deadlineMs".to_owned(), n(a.deadline_ms)),
            (
                "maxScore".to_owned(),
                n(i64::from(a.questions.iter().map(|q| q.points).sum::<u32>())),
            ),
            ("version".to_owned(), n(0)),
        ]);
        put_new(&self.table, with_key(item, attempt_key(&a.user_id, &a.id)))
    }

    /// The caller's attempt; `None` for an unknown id and for anyone else's.
    pub async fn attempt(&self, user_id: &str, id: &str) -> Result<Option<Attempt>, ApiError> {
        let Some(item) =
            shared::dynamo::get_item(&self.client, &self.table, attempt_key(user_id, id)).await?
        else {
            return Ok(None);
        };
        let answers = match item.get("answers") {
            Some(AttributeValue::M(m)) => {
                m.iter()
                    .map(|(q, v)| {
                        let choice =
                            v.as_n().ok().and_then(|c| c.parse().ok()).ok_or_else(|| {
                                ApiError::internal("a stored answer is not a number")
                            })?;
                        Ok((q.clone(), choice))
                    })
                    .collect::<Result<BTreeMap<String, u32>, ApiError>>()?
            }
            _ => BTreeMap::new(),
        };
        let result = item
            .get("result")
            .map(|_| from_json::<Grade>(&item, "result"))
            .transpose()?;
        Ok(Some(Attempt {
            id: get_str(&item, "attemptId")?.to_owned(),
            user_id: get_str(&item, "userId")?.to_owned(),
            assessment_id: get_str(&item, "assessmentId")?.to_owned(),
            title: get_str(&item, "title")?.to_owned(),
            questions: from_json(&item, "questions")?,
            answers,
            submitted: get_str(&item, "status")? == SUBMITTED,
            started_at: get_str(&item, "startedAt")?.to_owned(),
            expires_at: get_str(&item, "endsAt")?.to_owned(),
            deadline_ms: get_i64(&item, "deadlineMs")?,
            submitted_at: get_opt_str(&item, "submittedAt").map(str::to_owned),
            result,
            version: get_i64(&item, "version")?,
        }))
    }

    /// Saves one choice while the attempt is open. `false` when it is submitted or past its
    /// deadline (the condition, not an earlier read, decides: no race can slip an answer in).
    pub async fn save_answer(
        &self,
        user_id: &str,
        attempt_id: &str,
        question_id: &str,
        choice: u32,
        now_ms: i64,
    ) -> Result<bool, ApiError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(attempt_key(user_id, attempt_id)))
            .update_expression("SET answers.#q = :choice ADD version :one")
            .condition_expression("#status = :open AND deadlineMs > :now")
            .expression_attribute_names("#q", question_id)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":choice", n(i64::from(choice)))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":open", s(IN_PROGRESS))
            .expression_attribute_values(":now", n(now_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Records the grade, only if the attempt is still open and holds exactly the answers
    /// that were graded (`version`). Position 0 of the submit transaction.
    pub fn submit(
        &self,
        a: &Attempt,
        grade: &Grade,
        submitted_at: &str,
    ) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(attempt_key(&a.user_id, &a.id)))
            .update_expression(
                "SET #status = :submitted, #result = :result, score = :score, submittedAt = :at",
            )
            .condition_expression("#status = :open AND version = :version")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#result", "result")
            .expression_attribute_values(":submitted", s(SUBMITTED))
            .expression_attribute_values(":open", s(IN_PROGRESS))
            .expression_attribute_values(":result", to_json(grade)?)
            .expression_attribute_values(":score", n(i64::from(grade.score)))
            .expression_attribute_values(":at", s(submitted_at))
            .expression_attribute_values(":version", n(a.version))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub async fn attempts(
        &self,
        user_id: &str,
        now_ms: i64,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<AttemptSummary>, Option<String>), ApiError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :attempt)")
            .expression_attribute_values(":pk", s(user_pk(user_id)))
            .expression_attribute_values(":attempt", s("ATTEMPT#"))
            // The list needs neither the questions nor the answers.
            .projection_expression(
                "pk, sk, attemptId, assessmentId, title, #status, score, maxScore, startedAt, endsAt, deadlineMs, submittedAt",
            )
            .expression_attribute_names("#status", "status")
            .scan_index_forward(false);
        let Page { items, next_cursor } = query_page(query, page, codec, scope).await?;
        let summaries = items
            .iter()
            .map(|item| {
                let submitted = get_str(item, "status")? == SUBMITTED;
                Ok(AttemptSummary {
                    attempt_id: get_str(item, "attemptId")?.to_owned(),
                    assessment_id: get_str(item, "assessmentId")?.to_owned(),
                    title: get_str(item, "title")?.to_owned(),
                    status: status_at(submitted, get_i64(item, "deadlineMs")?, now_ms),
                    score: get_i64(item, "score")
                        .ok()
                        .and_then(|v| u32::try_from(v).ok()),
                    max_score: u32::try_from(get_i64(item, "maxScore")?).unwrap_or(0),
                    started_at: get_str(item, "startedAt")?.to_owned(),
                    expires_at: get_str(item, "endsAt")?.to_owned(),
                    submitted_at: get_opt_str(item, "submittedAt").map(str::to_owned),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok((summaries, next_cursor))
    }
}
