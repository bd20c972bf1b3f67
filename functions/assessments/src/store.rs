//! The assessments table: every item this domain keeps, and nothing else.
//!
//! | pk                   | sk                 | what                                                  |
//! |----------------------|--------------------|-------------------------------------------------------|
//! | `ASSESSMENT#<id>`    | `ASSESSMENT`       | an assessment with its answers (`doc`), its `status`  |
//! | `CATALOGUE`          | `ASSESSMENT#<id>`  | a published assessment's summary, for the list        |
//! | `USER#<userId>`      | `ATTEMPT#<id>`     | an attempt: question snapshot, saved answers, result  |
//! | `OUTBOX#<event>`     | `<queue>`          | events waiting for the relay (see shared::outbox)     |
//!
//! Every write that must happen with another is a transaction of named items, built here:
//! an assessment and its catalogue entry, a publication, an attempt, a grade and its
//! `attempt_graded` event (to learning and notifications).
//!
//! An attempt lives under its owner's key, so another student's attempt id finds nothing
//! (404) and "my attempts" is one query, newest first (attempt ids are ULIDs). Its deadline
//! is stored as `deadlineMs` (epoch ms): `expiresAt` is the table's TTL attribute and would
//! delete the attempt.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use shared::clock::rfc3339;
use shared::cursor::CursorCodec;
use shared::dynamo::{
    AttributeValue, Item, get_i64, get_json as from_json, get_opt_str, get_str, key, n, put_new, s,
    to_json,
};
use shared::events::{Envelope, queues};
use shared::paging::{Page, PageRequest, query_page};
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::grading::Grade;
use crate::model::{
    Assessment, AssessmentStatus, AssessmentSummary, Attempt, AttemptSummary, status_at,
};

const CATALOGUE: &str = "CATALOGUE";
const IN_PROGRESS: &str = "in_progress";
const SUBMITTED: &str = "submitted";
/// Who hears of a graded attempt: learning builds a plan, notifications tell the student.
const GRADED_QUEUES: &[&str] = &[queues::LEARNING, queues::NOTIFICATIONS];

/// What creating an item with a fixed id found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    /// Something was already stored under its id (a seed run again): nothing was written.
    Existed,
}

/// What publishing a draft found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Done,
    /// It was no longer a draft (published meanwhile): nothing was written.
    NotADraft,
}

/// What recording a grade found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Graded {
    /// The grade and its `attempt_graded` event are stored.
    Recorded,
    /// The attempt is no longer as it was graded (submitted meanwhile, or an answer saved),
    /// or the write collided with another: nothing was written; read it again.
    Changed,
}

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

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "ASSESSMENTS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    /// Erases the student `user_id` (`user_deleted`): their attempts, all under their key,
    /// a page at a time. Safe to run again; the number of items deleted.
    pub async fn erase_user(&self, user_id: &str) -> Result<usize, StoreError> {
        shared::erasure::delete_partition(&self.client, &self.table, &user_pk(user_id)).await
    }

    // ------------------------------------------------------------ assessments

    fn assessment_item(&self, a: &Assessment) -> Result<Item, StoreError> {
        Ok(with_key(
            HashMap::from([
                ("status".to_owned(), s(a.status.as_str())),
                ("doc".to_owned(), to_json(a)?),
            ]),
            assessment_key(&a.id),
        ))
    }

    fn catalogue_item(&self, summary: &AssessmentSummary) -> Result<Item, StoreError> {
        Ok(with_key(
            HashMap::from([("doc".to_owned(), to_json(summary)?)]),
            catalogue_key(&summary.id),
        ))
    }

    /// Creates `a` (a draft, or a published one with its catalogue entry), unless its id is
    /// taken.
    pub async fn create_assessment(&self, a: &Assessment) -> Result<Created, StoreError> {
        let mut tx = Tx::new();
        tx.push(
            "assessment",
            put_new(&self.table, self.assessment_item(a)?)?,
        );
        if a.status == AssessmentStatus::Published {
            tx.push(
                "catalogue",
                put_new(&self.table, self.catalogue_item(&a.summary())?)?,
            );
        }
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Created::New),
            Err(TxError::Cancelled(c)) if c.failed("assessment") || c.failed("catalogue") => {
                Ok(Created::Existed)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn assessment(&self, id: &str) -> Result<Option<Assessment>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, assessment_key(id))
            .await?
            .map(|item| from_json(&item, "doc"))
            .transpose()
    }

    /// Publishes a draft: its status moves only from `draft`, and its catalogue entry
    /// appears in the same transaction.
    pub async fn publish(&self, published: &Assessment) -> Result<Published, StoreError> {
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
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push(
            "assessment",
            TransactWriteItem::builder().update(update).build(),
        )
        .push(
            "catalogue",
            put_new(&self.table, self.catalogue_item(&published.summary())?)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Published::Done),
            Err(TxError::Cancelled(c)) if c.failed("assessment") || c.failed("catalogue") => {
                Ok(Published::NotADraft)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn published(
        &self,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<AssessmentSummary>, Option<String>), StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(CATALOGUE))
            // Newest first: assessment ids are ULIDs.
            .scan_index_forward(false);
        let page = query_page(query, page, codec, scope)
            .await?
            .parse(|item| from_json(item, "doc"))?;
        Ok((page.items, page.next_cursor))
    }

    // ------------------------------------------------------------ attempts

    /// Stores a new attempt (its id is fresh: a taken one is a storage failure).
    pub async fn create_attempt(&self, a: &Attempt) -> Result<(), StoreError> {
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
        let mut tx = Tx::new();
        tx.push(
            "attempt",
            put_new(&self.table, with_key(item, attempt_key(&a.user_id, &a.id)))?,
        );
        Ok(tx.write_once(&self.client).await?)
    }

    /// The caller's attempt; `None` for an unknown id and for anyone else's.
    pub async fn attempt(&self, user_id: &str, id: &str) -> Result<Option<Attempt>, StoreError> {
        let Some(item) =
            shared::dynamo::get_item(&self.client, &self.table, attempt_key(user_id, id)).await?
        else {
            return Ok(None);
        };
        let answers = match item.get("answers") {
            Some(AttributeValue::M(m)) => m
                .iter()
                .map(|(q, v)| {
                    let choice =
                        v.as_n().ok().and_then(|c| c.parse().ok()).ok_or_else(|| {
                            StoreError::corrupt("a stored answer is not a number")
                        })?;
                    Ok((q.clone(), choice))
                })
                .collect::<Result<BTreeMap<String, u32>, StoreError>>()?,
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
    ) -> Result<bool, StoreError> {
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
        shared::dynamo::written(result)
    }

    /// Records the grade and queues `graded` (its `attempt_graded` event) in one
    /// transaction, only if the attempt is still open and holds exactly the answers that
    /// were graded (`version`).
    pub async fn submit(
        &self,
        a: &Attempt,
        grade: &Grade,
        submitted_at: OffsetDateTime,
        graded: &Envelope,
    ) -> Result<Graded, StoreError> {
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
            .expression_attribute_values(":at", s(rfc3339(submitted_at)))
            .expression_attribute_values(":version", n(a.version))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push(
            "attempt",
            TransactWriteItem::builder().update(update).build(),
        )
        .extend(
            "outbox",
            shared::outbox::items(&self.table, graded, GRADED_QUEUES, submitted_at)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Graded::Recorded),
            Err(TxError::Cancelled(c)) if c.failed("attempt") || c.failed_names().is_empty() => {
                Ok(Graded::Changed)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn attempts(
        &self,
        user_id: &str,
        now_ms: i64,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<AttemptSummary>, Option<String>), StoreError> {
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
            .collect::<Result<_, StoreError>>()?;
        Ok((summaries, next_cursor))
    }
}
