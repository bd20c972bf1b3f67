//! The learning table: every item this domain keeps, and nothing else.
//!
//! | pk               | sk                                 | what                                          |
//! |------------------|------------------------------------|-----------------------------------------------|
//! | `MODULE#<id>`    | `MODULE`                           | a module with its exercises and answers       |
//! | `CATALOGUE`      | `SKILL#<skill>#<level>#<id>`       | a module's summary: lists by skill and level  |
//! | `USER#<userId>`  | `PLAN#<gradedAtMs>#<attemptId>`    | the plan built from one graded attempt        |
//! | `USER#<userId>`  | `SESSION#<id>`                     | a training session                            |
//! | `USER#<userId>`  | `PROGRESS#<skill>`                 | `sessions` count, `masteredLevels` set        |
//! | `USER#<userId>`  | `DAYS`                             | `days`: UTC days (since epoch) with a session |
//! | `USER#<userId>`  | `ENROLLMENT#<programId>`           | an enrollment, with the order that made it    |
//! | `USER#<userId>`  | `REVOKED#<orderId>`                | an order cancelled: it enrolls nobody again   |
//! | `OUTBOX#<event>` | `<queue>`                          | events waiting for the relay                  |
//!
//! A plan's key is made from its `attempt_graded` event alone, so a redelivered event finds
//! its plan already there (conditional put) and never builds a second one; the newest plan
//! (largest key) is the student's current one. Everything a student owns lives under their
//! key, so another student's session id finds nothing (404).
//!
//! Every write that must happen with another is a transaction of named items, built here: a
//! module and its catalogue entry, a plan and its `plan_ready`, a submitted session with
//! its progress, its plan's change and `plan_completed`, an enrollment and `enrolled`.
//!
//! An enrollment is made by a confirmed order and revoked by that order's cancellation.
//! Both are idempotent: a second `order_confirmed` finds the enrollment there (conditional
//! put), a second cancellation finds nothing to delete; and a cancellation that overtakes
//! its confirmation leaves a `REVOKED#` marker the confirmation checks in its transaction.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use shared::clock::rfc3339;
use shared::cursor::CursorCodec;
use shared::dynamo::{
    AttributeValue, Item, get_i64, get_json as from_json, get_str, key, n, s, to_json,
};
use shared::events::{Envelope, queues};
use shared::paging::{PageRequest, Pages, query_page};
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::epoch_day;
use crate::model::{
    Enrollment, Module, ModuleSummary, Plan, Session, SessionResult, SkillProgress,
};
use crate::planning::CatalogueEntry;

const CATALOGUE: &str = "CATALOGUE";

/// What creating a module with a fixed id found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    /// Something was already stored under its id (a seed run again): nothing was written.
    Existed,
}

/// What building a plan from a graded attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanCreated {
    /// The plan and its `plan_ready` are stored.
    Built,
    /// This attempt's plan was built before (a redelivered event): nothing was written.
    AlreadyBuilt,
}

/// What recording a session's result found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSubmitted {
    /// The result, the progress, the plan's change and its event are stored.
    Recorded,
    /// The session was submitted meanwhile, the plan changed since it was read, or the
    /// write collided with another: nothing was written; read them again.
    Changed,
}

/// What a submitted session changes in the student's current plan.
#[derive(Debug, Clone)]
pub struct PlanChange<'a> {
    /// The plan as it was read.
    pub stored: &'a StoredPlan,
    /// The plan with the session's mastery applied.
    pub changed: Plan,
    /// `plan_completed`, when the change completes the plan.
    pub completed: Option<Envelope>,
}

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn module_key(id: &str) -> Item {
    key(format!("MODULE#{id}"), "MODULE")
}
fn catalogue_key(m: &ModuleSummary) -> Item {
    key(CATALOGUE, format!("SKILL#{}#{}#{}", m.skill, m.level, m.id))
}
fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}
fn plan_key(user_id: &str, graded_at_ms: i64, attempt_id: &str) -> Item {
    // Zero-padded, so keys sort by time.
    key(
        user_pk(user_id),
        format!("PLAN#{graded_at_ms:015}#{attempt_id}"),
    )
}
fn session_key(user_id: &str, id: &str) -> Item {
    key(user_pk(user_id), format!("SESSION#{id}"))
}
fn progress_key(user_id: &str, skill: &str) -> Item {
    key(user_pk(user_id), format!("PROGRESS#{skill}"))
}
fn days_key(user_id: &str) -> Item {
    key(user_pk(user_id), "DAYS")
}
fn enrollment_key(user_id: &str, program_id: &str) -> Item {
    key(user_pk(user_id), format!("ENROLLMENT#{program_id}"))
}
fn revoked_key(user_id: &str, order_id: &str) -> Item {
    key(user_pk(user_id), format!("REVOKED#{order_id}"))
}

/// What enrolling a student found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolled {
    /// The enrollment and its `enrolled` are stored.
    New,
    /// The student is enrolled in the program already (a redelivered `order_confirmed`):
    /// nothing was written.
    Already,
    /// The order was cancelled before its confirmation arrived: nothing was written.
    Revoked,
}

/// A put of a new item under `item_key`.
fn put_new(table: &str, item_key: Item, attributes: Item) -> Result<TransactWriteItem, StoreError> {
    let mut item = attributes;
    item.extend(item_key);
    shared::dynamo::put_new(table, item)
}

/// A put that replaces whatever is under `item_key`.
fn put(table: &str, item_key: Item, attributes: Item) -> Result<TransactWriteItem, StoreError> {
    let mut item = attributes;
    item.extend(item_key);
    Ok(TransactWriteItem::builder()
        .put(
            aws_sdk_dynamodb::types::Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .build()
                .map_err(StoreError::corrupt)?,
        )
        .build())
}

fn update(
    built: Result<Update, aws_sdk_dynamodb::error::BuildError>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .update(built.map_err(StoreError::corrupt)?)
        .build())
}

/// A page of a query whose items each hold their document in `doc`.
async fn doc_page<T: serde::de::DeserializeOwned>(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    page: &PageRequest,
    codec: &CursorCodec,
    scope: &str,
) -> Result<(Vec<T>, Option<String>), StoreError> {
    let page = query_page(query, page, codec, scope)
        .await?
        .parse(|item| from_json(item, "doc"))?;
    Ok((page.items, page.next_cursor))
}

/// A plan with the key it is stored under.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub plan: Plan,
    pub key: Item,
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "LEARNING_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    // ------------------------------------------------------------ modules

    /// Erases the student `user_id` (`user_deleted`): everything learning keeps of them lives
    /// under their key (plans, sessions, progress, days, enrollments, revocation markers) and
    /// is deleted, a page at a time. Safe to run again; the number of items deleted.
    pub async fn erase_user(&self, user_id: &str) -> Result<usize, StoreError> {
        shared::erasure::delete_partition(&self.client, &self.table, &user_pk(user_id)).await
    }

    /// Creates a module and its catalogue entry, unless its id is taken.
    pub async fn create_module(&self, m: &Module) -> Result<Created, StoreError> {
        let summary = m.summary();
        let mut tx = Tx::new();
        tx.push(
            "module",
            put_new(
                &self.table,
                module_key(&m.id),
                HashMap::from([("doc".to_owned(), to_json(m)?)]),
            )?,
        )
        .push(
            "catalogue",
            put_new(
                &self.table,
                catalogue_key(&summary),
                HashMap::from([("doc".to_owned(), to_json(&summary)?)]),
            )?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Created::New),
            Err(TxError::Cancelled(c)) if c.failed("module") || c.failed("catalogue") => {
                Ok(Created::Existed)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn module(&self, id: &str) -> Result<Option<Module>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, module_key(id))
            .await?
            .map(|item| from_json(&item, "doc"))
            .transpose()
    }

    fn catalogue_query(
        &self,
        skill: Option<&str>,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(CATALOGUE));
        match skill {
            Some(skill) => query
                .key_condition_expression("pk = :pk AND begins_with(sk, :skill)")
                .expression_attribute_values(":skill", s(format!("SKILL#{skill}#"))),
            None => query.key_condition_expression("pk = :pk"),
        }
    }

    /// Modules by skill, then level.
    pub async fn modules(
        &self,
        skill: Option<&str>,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<ModuleSummary>, Option<String>), StoreError> {
        doc_page(self.catalogue_query(skill), page, codec, scope).await
    }

    /// Every module of `skill` (at most a few per level), for the planner.
    pub async fn modules_of(&self, skill: &str) -> Result<Vec<CatalogueEntry>, StoreError> {
        let mut entries = Vec::new();
        let mut pages = Pages::new(self.catalogue_query(Some(skill)));
        while let Some(items) = pages.next().await? {
            for item in &items {
                let m: ModuleSummary = from_json(item, "doc")?;
                entries.push(CatalogueEntry {
                    module_id: m.id,
                    skill: m.skill,
                    level: m.level,
                    premium_program: if m.premium {
                        // A premium module always names its program (see NewModule).
                        Some(m.program_id.unwrap_or_default())
                    } else {
                        None
                    },
                });
            }
        }
        Ok(entries)
    }

    // ------------------------------------------------------------ plans

    /// Stores the plan built from the attempt graded at `graded_at_ms` and queues `ready`
    /// (its `plan_ready`, for notifications), unless this attempt's plan was built before.
    pub async fn create_plan(
        &self,
        user_id: &str,
        graded_at_ms: i64,
        plan: &Plan,
        ready: &Envelope,
        now: OffsetDateTime,
    ) -> Result<PlanCreated, StoreError> {
        let mut tx = Tx::new();
        tx.push(
            "plan",
            put_new(
                &self.table,
                plan_key(user_id, graded_at_ms, &plan.attempt_id),
                HashMap::from([
                    ("doc".to_owned(), to_json(plan)?),
                    ("status".to_owned(), s(plan.status.as_str())),
                    ("version".to_owned(), n(plan.version)),
                ]),
            )?,
        )
        .extend(
            "outbox",
            shared::outbox::items(&self.table, ready, &[queues::NOTIFICATIONS], now)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(PlanCreated::Built),
            Err(TxError::Cancelled(c)) if c.failed("plan") => Ok(PlanCreated::AlreadyBuilt),
            Err(e) => Err(e.into()),
        }
    }

    /// The student's newest plan.
    pub async fn current_plan(&self, user_id: &str) -> Result<Option<StoredPlan>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :plan)")
            .expression_attribute_values(":pk", s(user_pk(user_id)))
            .expression_attribute_values(":plan", s("PLAN#"))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await?;
        let Some(item) = out.items().first() else {
            return Ok(None);
        };
        let mut plan: Plan = from_json(item, "doc")?;
        plan.version = get_i64(item, "version")?;
        let item_key = [shared::dynamo::PK, shared::dynamo::SK]
            .iter()
            .filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        Ok(Some(StoredPlan {
            plan,
            key: item_key,
        }))
    }

    /// Replaces a plan's items (and status), only if nobody changed it since it was read.
    fn update_plan(
        &self,
        stored: &StoredPlan,
        changed: &Plan,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut next = changed.clone();
        next.version = stored.plan.version + 1;
        update(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(stored.key.clone()))
                .update_expression("SET doc = :doc, #status = :status, version = :next")
                .condition_expression("version = :version")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":doc", to_json(&next)?)
                .expression_attribute_values(":status", s(next.status.as_str()))
                .expression_attribute_values(":next", n(next.version))
                .expression_attribute_values(":version", n(stored.plan.version))
                .build(),
        )
    }

    // ------------------------------------------------------------ sessions

    /// Stores a new session (its id is fresh: a taken one is a storage failure).
    pub async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let item = put_new(
            &self.table,
            session_key(&session.user_id, &session.id),
            HashMap::from([
                ("sessionId".to_owned(), s(&session.id)),
                ("userId".to_owned(), s(&session.user_id)),
                ("moduleId".to_owned(), s(&session.module_id)),
                ("skill".to_owned(), s(&session.skill)),
                ("level".to_owned(), n(i64::from(session.level))),
                ("exercises".to_owned(), to_json(&session.exercises)?),
                ("startedAt".to_owned(), s(&session.started_at)),
                ("status".to_owned(), s("open")),
            ]),
        )?;
        let mut tx = Tx::new();
        tx.push("session", item);
        Ok(tx.write_once(&self.client).await?)
    }

    /// The caller's session; `None` for an unknown id and for anyone else's.
    pub async fn session(&self, user_id: &str, id: &str) -> Result<Option<Session>, StoreError> {
        let Some(item) =
            shared::dynamo::get_item(&self.client, &self.table, session_key(user_id, id)).await?
        else {
            return Ok(None);
        };
        Ok(Some(Session {
            id: get_str(&item, "sessionId")?.to_owned(),
            user_id: get_str(&item, "userId")?.to_owned(),
            module_id: get_str(&item, "moduleId")?.to_owned(),
            skill: get_str(&item, "skill")?.to_owned(),
            level: u8::try_from(get_i64(&item, "level")?)
                .map_err(|_| StoreError::corrupt("stored level is out of range"))?,
            exercises: from_json(&item, "exercises")?,
            started_at: get_str(&item, "startedAt")?.to_owned(),
            result: item
                .get("result")
                .map(|_| from_json(&item, "result"))
                .transpose()?,
        }))
    }

    /// Records a session's result, only while it is open, in one transaction with its
    /// count in the progress and the streak and, when it changes the current plan, the
    /// plan's change (only if nobody changed the plan since it was read) and its event.
    pub async fn submit_session(
        &self,
        session: &Session,
        result: &SessionResult,
        now: OffsetDateTime,
        plan: Option<&PlanChange<'_>>,
    ) -> Result<SessionSubmitted, StoreError> {
        let mut tx = Tx::new();
        tx.push("session", self.close_session(session, result, now)?)
            .extend(
                "progress",
                self.count_session(session, result.mastered, epoch_day(now))?,
            );
        if let Some(change) = plan {
            tx.push("plan", self.update_plan(change.stored, &change.changed)?);
            if let Some(completed) = &change.completed {
                tx.extend(
                    "outbox",
                    shared::outbox::items(&self.table, completed, &[queues::NOTIFICATIONS], now)?,
                );
            }
        }
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(SessionSubmitted::Recorded),
            Err(TxError::Cancelled(c))
                if c.failed("session") || c.failed("plan") || c.failed_names().is_empty() =>
            {
                Ok(SessionSubmitted::Changed)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sets a session's result, only while it is open.
    fn close_session(
        &self,
        session: &Session,
        result: &SessionResult,
        submitted_at: OffsetDateTime,
    ) -> Result<TransactWriteItem, StoreError> {
        update(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(session_key(&session.user_id, &session.id)))
                .update_expression("SET #status = :submitted, #result = :result, submittedAt = :at")
                .condition_expression("#status = :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#result", "result")
                .expression_attribute_values(":submitted", s("submitted"))
                .expression_attribute_values(":open", s("open"))
                .expression_attribute_values(":result", to_json(result)?)
                .expression_attribute_values(":at", s(rfc3339(submitted_at)))
                .build(),
        )
    }

    /// Counts a submitted session for its skill; a mastered one adds its level to the set
    /// of mastered levels (ADD on sets and numbers needs no read, so nothing races).
    fn count_session(
        &self,
        session: &Session,
        mastered: bool,
        epoch_day: i64,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut progress = Update::builder()
            .table_name(&self.table)
            .set_key(Some(progress_key(&session.user_id, &session.skill)))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":skill", s(&session.skill));
        progress = if mastered {
            progress
                .update_expression("ADD sessions :one, masteredLevels :level SET skill = :skill")
                .expression_attribute_values(
                    ":level",
                    AttributeValue::Ns(vec![session.level.to_string()]),
                )
        } else {
            progress.update_expression("ADD sessions :one SET skill = :skill")
        };
        let days = Update::builder()
            .table_name(&self.table)
            .set_key(Some(days_key(&session.user_id)))
            .update_expression("ADD #days :day")
            .expression_attribute_names("#days", "days")
            .expression_attribute_values(":day", AttributeValue::Ns(vec![epoch_day.to_string()]));
        Ok(vec![update(progress.build())?, update(days.build())?])
    }

    // ------------------------------------------------------------ enrollments

    /// Enrolls `user_id` in the enrollment's program and queues `enrolled` (for
    /// notifications) in one transaction, unless the student is enrolled already or the
    /// order was cancelled meanwhile.
    pub async fn enroll(
        &self,
        user_id: &str,
        enrollment: &Enrollment,
        event: &Envelope,
        now: OffsetDateTime,
    ) -> Result<Enrolled, StoreError> {
        let not_revoked = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(revoked_key(user_id, &enrollment.order_id)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push(
            "enrollment",
            put_new(
                &self.table,
                enrollment_key(user_id, &enrollment.program_id),
                HashMap::from([
                    ("doc".to_owned(), to_json(enrollment)?),
                    ("orderId".to_owned(), s(&enrollment.order_id)),
                ]),
            )?,
        )
        .push(
            "not_revoked",
            TransactWriteItem::builder()
                .condition_check(not_revoked)
                .build(),
        )
        .extend(
            "outbox",
            shared::outbox::items(&self.table, event, &[queues::NOTIFICATIONS], now)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Enrolled::New),
            Err(TxError::Cancelled(c)) if c.failed("not_revoked") => Ok(Enrolled::Revoked),
            Err(TxError::Cancelled(c)) if c.failed("enrollment") => Ok(Enrolled::Already),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes the enrollment `order_id` made in `program_id`, if there is one, and marks
    /// the order revoked, so that its confirmation, delivered late, enrolls nobody. An
    /// enrollment another order made stays. Returns whether an enrollment was deleted.
    pub async fn revoke(
        &self,
        user_id: &str,
        program_id: &str,
        order_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let marker = || {
            put(
                &self.table,
                revoked_key(user_id, order_id),
                HashMap::from([("revokedAt".to_owned(), s(rfc3339(now)))]),
            )
        };
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(enrollment_key(user_id, program_id)))
            .condition_expression("orderId = :order")
            .expression_attribute_values(":order", s(order_id))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("marker", marker()?).push(
            "enrollment",
            TransactWriteItem::builder().delete(delete).build(),
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(true),
            Err(TxError::Cancelled(c)) if c.failed("enrollment") => {
                let mut tx = Tx::new();
                tx.push("marker", marker()?);
                tx.write_once(&self.client).await?;
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the student is enrolled in `program_id`.
    pub async fn is_enrolled(&self, user_id: &str, program_id: &str) -> Result<bool, StoreError> {
        Ok(shared::dynamo::get_item(
            &self.client,
            &self.table,
            enrollment_key(user_id, program_id),
        )
        .await?
        .is_some())
    }

    /// The programs the student is enrolled in (a few), for the planner.
    pub async fn enrolled_programs(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let mut programs = Vec::new();
        let mut pages = Pages::new(self.enrollments_query(user_id));
        while let Some(items) = pages.next().await? {
            for item in &items {
                let e: Enrollment = from_json(item, "doc")?;
                programs.push(e.program_id);
            }
        }
        Ok(programs)
    }

    fn enrollments_query(
        &self,
        user_id: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :enrollment)")
            .expression_attribute_values(":pk", s(user_pk(user_id)))
            .expression_attribute_values(":enrollment", s("ENROLLMENT#"))
            .consistent_read(true)
    }

    /// A page of the student's enrollments, by program id.
    pub async fn enrollments(
        &self,
        user_id: &str,
        page: &PageRequest,
        codec: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<Enrollment>, Option<String>), StoreError> {
        doc_page(self.enrollments_query(user_id), page, codec, scope).await
    }

    // ------------------------------------------------------------ progress

    pub async fn progress(&self, user_id: &str) -> Result<Vec<SkillProgress>, StoreError> {
        let mut skills = Vec::new();
        let mut pages = Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :progress)")
                .expression_attribute_values(":pk", s(user_pk(user_id)))
                .expression_attribute_values(":progress", s("PROGRESS#")),
        );
        while let Some(items) = pages.next().await? {
            for item in &items {
                let mastery = match item.get("masteredLevels") {
                    Some(AttributeValue::Ns(levels)) => levels
                        .iter()
                        .filter_map(|l| l.parse::<u8>().ok())
                        .max()
                        .unwrap_or(0),
                    _ => 0,
                };
                skills.push(SkillProgress {
                    skill: get_str(item, "skill")?.to_owned(),
                    mastery,
                    sessions: u32::try_from(get_i64(item, "sessions")?).unwrap_or(u32::MAX),
                });
            }
        }
        Ok(skills)
    }

    pub async fn training_days(&self, user_id: &str) -> Result<BTreeSet<i64>, StoreError> {
        let item = shared::dynamo::get_item(&self.client, &self.table, days_key(user_id)).await?;
        Ok(match item.as_ref().and_then(|i| i.get("days")) {
            Some(AttributeValue::Ns(days)) => days.iter().filter_map(|d| d.parse().ok()).collect(),
            _ => BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_plans_sort_after_older_ones() {
        let sk = |ms| {
            plan_key("u", ms, "01J")
                .get(shared::dynamo::SK)
                .and_then(|v| v.as_s().ok().cloned())
                .unwrap_or_default()
        };
        assert!(sk(999) < sk(1_000));
        assert!(sk(1_795_521_600_000) < sk(1_795_521_600_001));
    }

    #[test]
    fn a_plan_key_comes_from_its_event_alone() {
        assert_eq!(plan_key("u", 5, "a"), plan_key("u", 5, "a"));
        assert_ne!(plan_key("u", 5, "a"), plan_key("u", 5, "b"));
    }
}
