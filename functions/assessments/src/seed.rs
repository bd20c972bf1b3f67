//! The demo catalogue `make dev` seeds: one published diagnostic assessment over three
//! skills. Ids are fixed, so running it again changes nothing (conditional puts).

use serde::Serialize;
use shared::clock::rfc3339;
use shared::store::StoreError;

use crate::App;
use crate::model::{Assessment, AssessmentStatus, Question};
use crate::store::Created;

/// The demo assessment's id (a valid ULID, fixed so the seed is idempotent).
pub const DIAGNOSTIC_ID: &str = "01JDEMA0000000000000000001";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub assessment_id: String,
    pub created: bool,
}

/// `(skill, prompt, choices, answer)` of each demo question.
const QUESTIONS: [(&str, &str, &[&str], u32); 6] = [
    (
        "fractions",
        "What is 1/2 + 1/4?",
        &["3/4", "2/6", "1/6", "2/4"],
        0,
    ),
    (
        "fractions",
        "Which is larger?",
        &["2/3", "3/5", "They are equal"],
        0,
    ),
    (
        "equations",
        "Solve for x: 2x + 3 = 11",
        &["3", "4", "5", "7"],
        1,
    ),
    (
        "equations",
        "Solve for x: x / 3 = 6",
        &["2", "9", "18", "3"],
        2,
    ),
    (
        "geometry",
        "The angles of a triangle add up to",
        &["90°", "180°", "270°", "360°"],
        1,
    ),
    (
        "geometry",
        "The area of a 3 cm by 4 cm rectangle is",
        &["7 cm²", "12 cm²", "14 cm²"],
        1,
    ),
];

pub fn diagnostic(now: &str) -> Assessment {
    Assessment {
        id: DIAGNOSTIC_ID.to_owned(),
        title: "Diagnostic: fractions, equations, geometry".to_owned(),
        description: "A short placement test. Your training plan is built from the result."
            .to_owned(),
        time_limit_seconds: 15 * 60,
        status: AssessmentStatus::Published,
        questions: QUESTIONS
            .iter()
            .enumerate()
            .map(|(i, (skill, prompt, choices, answer))| Question {
                id: format!("01JDEMAQ{:018}", i + 1),
                prompt: (*prompt).to_owned(),
                choices: choices.iter().map(|c| (*c).to_owned()).collect(),
                answer_index: *answer,
                skill: (*skill).to_owned(),
                points: 1,
            })
            .collect(),
        created_at: now.to_owned(),
        published_at: Some(now.to_owned()),
    }
}

pub async fn seed_catalogue(app: &App) -> Result<Seeded, StoreError> {
    let assessment = diagnostic(&rfc3339(app.clock.now()));
    let created = app.store.create_assessment(&assessment).await? == Created::New;
    Ok(Seeded {
        assessment_id: assessment.id,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_assessment_is_valid() {
        let a = diagnostic("2026-11-24T12:00:00Z");
        assert!(shared::is_id(&a.id));
        assert!(a.questions.iter().all(|q| shared::is_id(&q.id)));
        assert!(
            a.questions
                .iter()
                .all(|q| (q.answer_index as usize) < q.choices.len())
        );
        assert_eq!(a.skills(), ["equations", "fractions", "geometry"]);
    }
}
