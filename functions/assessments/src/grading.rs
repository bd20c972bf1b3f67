//! Grading: a pure function from the questions (with answers) and the saved choices to a
//! score per skill. No I/O, so it is tested exhaustively below.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Question;

/// The score of one skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AttemptSkillScore)]
pub struct SkillScore {
    pub skill: String,
    #[schema(minimum = 0, maximum = 10000)]
    pub score: u32,
    #[schema(minimum = 1, maximum = 10000)]
    pub max_score: u32,
    /// `score / maxScore`, in [0, 1].
    #[schema(minimum = 0, maximum = 1)]
    pub ratio: f64,
}

/// An attempt's grade: the points earned, in all and per skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AttemptGrade)]
pub struct Grade {
    #[schema(minimum = 0, maximum = 10000)]
    pub score: u32,
    #[schema(minimum = 1, maximum = 10000)]
    pub max_score: u32,
    /// One per skill the questions cover, sorted by skill.
    #[schema(min_items = 1, max_items = 100)]
    pub skills: Vec<SkillScore>,
}

/// A question earns its points when the saved choice is its answer; an unanswered one earns
/// nothing. Choices for ids that are not questions of this attempt are ignored.
pub fn grade(questions: &[Question], answers: &BTreeMap<String, u32>) -> Grade {
    let mut per_skill: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for q in questions {
        let earned = if answers.get(&q.id) == Some(&q.answer_index) {
            q.points
        } else {
            0
        };
        let entry = per_skill.entry(q.skill.as_str()).or_default();
        entry.0 = entry.0.saturating_add(earned);
        entry.1 = entry.1.saturating_add(q.points);
    }
    let skills: Vec<SkillScore> = per_skill
        .into_iter()
        .map(|(skill, (score, max_score))| SkillScore {
            skill: skill.to_owned(),
            score,
            max_score,
            ratio: ratio(score, max_score),
        })
        .collect();
    Grade {
        score: skills.iter().map(|s| s.score).fold(0, u32::saturating_add),
        max_score: skills
            .iter()
            .map(|s| s.max_score)
            .fold(0, u32::saturating_add),
        skills,
    }
}

/// A skill with no points to earn (never authored: points are at least 1) counts as 0.
fn ratio(score: u32, max_score: u32) -> f64 {
    if max_score == 0 {
        0.0
    } else {
        (f64::from(score) / f64::from(max_score)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(id: &str, skill: &str, answer: u32, points: u32) -> Question {
        Question {
            id: id.to_owned(),
            prompt: "?".to_owned(),
            choices: vec!["a".into(), "b".into(), "c".into()],
            answer_index: answer,
            skill: skill.to_owned(),
            points,
        }
    }

    #[test]
    fn scores_each_skill_and_the_whole() {
        let questions = [
            q("1", "fractions", 0, 2),
            q("2", "fractions", 1, 3),
            q("3", "geometry", 2, 5),
        ];
        let answers = BTreeMap::from([("1".to_owned(), 0), ("2".to_owned(), 2)]);
        let g = grade(&questions, &answers);
        assert_eq!((g.score, g.max_score), (2, 10));
        assert_eq!(
            g.skills,
            [
                SkillScore {
                    skill: "fractions".into(),
                    score: 2,
                    max_score: 5,
                    ratio: 0.4
                },
                SkillScore {
                    skill: "geometry".into(),
                    score: 0,
                    max_score: 5,
                    ratio: 0.0
                },
            ]
        );
    }

    #[test]
    fn answers_to_unknown_questions_earn_nothing() {
        let g = grade(
            &[q("1", "s", 0, 4)],
            &BTreeMap::from([("other".to_owned(), 0)]),
        );
        assert_eq!((g.score, g.max_score), (0, 4));
    }

    #[test]
    fn no_questions_grade_to_zero() {
        let g = grade(&[], &BTreeMap::new());
        assert_eq!((g.score, g.max_score, g.skills.len()), (0, 0, 0));
    }

    fn questions() -> impl Strategy<Value = Vec<Question>> {
        prop::collection::vec((0u32..4, "[a-d]", 1u32..=100), 0..40).prop_map(|qs| {
            qs.into_iter()
                .enumerate()
                .map(|(i, (answer, skill, points))| q(&i.to_string(), &skill, answer, points))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn scores_stay_within_bounds(
            questions in questions(),
            picks in prop::collection::btree_map(0usize..50, 0u32..4, 0..50),
        ) {
            let answers: BTreeMap<String, u32> =
                picks.into_iter().map(|(i, c)| (i.to_string(), c)).collect();
            let g = grade(&questions, &answers);
            prop_assert!(g.score <= g.max_score);
            prop_assert_eq!(g.max_score, questions.iter().map(|q| q.points).sum::<u32>());
            prop_assert_eq!(g.score, g.skills.iter().map(|s| s.score).sum::<u32>());
            for s in &g.skills {
                prop_assert!(s.score <= s.max_score);
                prop_assert!((0.0..=1.0).contains(&s.ratio), "{}", s.ratio);
            }
            let mut skills: Vec<&str> = questions.iter().map(|q| q.skill.as_str()).collect();
            skills.sort_unstable();
            skills.dedup();
            let graded: Vec<&str> = g.skills.iter().map(|s| s.skill.as_str()).collect();
            prop_assert_eq!(graded, skills);
        }

        #[test]
        fn all_correct_is_full_marks(questions in questions()) {
            let answers: BTreeMap<String, u32> =
                questions.iter().map(|q| (q.id.clone(), q.answer_index)).collect();
            let g = grade(&questions, &answers);
            prop_assert_eq!(g.score, g.max_score);
            prop_assert!(g.skills.iter().all(|s| s.ratio == 1.0));
        }
    }
}
