//! The pure core of learning: which skills a plan trains and with which modules, when a
//! session counts as mastered, what mastery does to a plan, and the streak. Plain functions
//! over plain data, tested without I/O.
//!
//! The rules:
//! - A skill is weak when its ratio in the attempt is under [`WEAK_BELOW`] (0.8). The plan
//!   holds exactly the weak skills, one item each, weakest first (ties by skill name).
//! - Each item's target level comes from the ratio: `1 + floor(ratio × 5)`, clamped to
//!   1..=5 (under 0.2 → 1, under 0.4 → 2, under 0.6 → 3, under 0.8 → 4). The item suggests
//!   the skill's module whose level is nearest the target (ties: the lower level, then the
//!   older module), and takes that module's level; with no module for the skill yet, the
//!   item keeps the target level and no module.
//! - A session is mastered when `correct / total ≥ 0.8`.
//! - Mastering a module of skill S at level L marks done every open item of S at level ≤ L.
//!   The plan is completed when every item is done.
//! - The streak counts consecutive UTC days with a submitted session, ending today, or
//!   yesterday when there is none yet today (a streak is not lost until a day is missed).

use std::collections::BTreeSet;

use crate::model::{ItemStatus, Level, PlanItem};

pub const WEAK_BELOW: f64 = 0.8;

/// A skill's result, as learning keeps it from `attempt_graded`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillResult {
    pub skill: String,
    pub ratio: f64,
}

/// What the planner needs to know of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub module_id: String,
    pub skill: String,
    pub level: u8,
    /// The program of a premium module: open only to that program's enrolled students.
    pub premium_program: Option<String>,
}

impl CatalogueEntry {
    /// Whether a student enrolled in `programs` may train it.
    pub fn open_to(&self, programs: &[String]) -> bool {
        self.premium_program
            .as_ref()
            .is_none_or(|p| programs.contains(p))
    }
}

pub fn target_level(ratio: f64) -> u8 {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // ratio in [0, 1] → floor(ratio × 5) in 0..=5: the cast cannot truncate.
    (1 + (ratio * 5.0).floor() as u8).clamp(Level::MIN, Level::MAX)
}

pub fn build_plan(results: &[SkillResult], catalogue: &[CatalogueEntry]) -> Vec<PlanItem> {
    let mut weak: Vec<SkillResult> = Vec::new();
    for r in results {
        let ratio = if r.ratio.is_finite() {
            r.ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if ratio >= WEAK_BELOW {
            continue;
        }
        // One item per skill: a repeated skill keeps its lowest ratio.
        match weak.iter_mut().find(|w| w.skill == r.skill) {
            Some(w) => w.ratio = w.ratio.min(ratio),
            None => weak.push(SkillResult {
                skill: r.skill.clone(),
                ratio,
            }),
        }
    }
    weak.sort_by(|a, b| {
        a.ratio
            .total_cmp(&b.ratio)
            .then_with(|| a.skill.cmp(&b.skill))
    });
    weak.into_iter()
        .map(|w| {
            let target = target_level(w.ratio);
            let module = catalogue
                .iter()
                .filter(|m| m.skill == w.skill)
                .min_by(|a, b| {
                    (a.level.abs_diff(target), a.level, &a.module_id).cmp(&(
                        b.level.abs_diff(target),
                        b.level,
                        &b.module_id,
                    ))
                });
            PlanItem {
                module_id: module.map(|m| m.module_id.clone()),
                skill: w.skill,
                level: module.map_or(target, |m| m.level),
                ratio: w.ratio,
                status: ItemStatus::Todo,
            }
        })
        .collect()
}

pub fn is_mastered(correct: u32, total: u32) -> bool {
    // correct / total ≥ 4/5, in integers.
    total > 0 && u64::from(correct) * 5 >= u64::from(total) * 4
}

/// Marks the items a mastered session of `skill` at `level` completes; whether any changed.
pub fn apply_mastery(items: &mut [PlanItem], skill: &str, level: u8) -> bool {
    let mut changed = false;
    for item in items.iter_mut() {
        if item.status == ItemStatus::Todo && item.skill == skill && item.level <= level {
            item.status = ItemStatus::Done;
            changed = true;
        }
    }
    changed
}

pub fn all_done(items: &[PlanItem]) -> bool {
    items.iter().all(|i| i.status == ItemStatus::Done)
}

/// Days are counted as days since the Unix epoch, in UTC.
pub fn streak_days(days: &BTreeSet<i64>, today: i64) -> u32 {
    let mut day = if days.contains(&today) {
        today
    } else {
        today - 1
    };
    let mut streak = 0;
    while days.contains(&day) {
        streak += 1;
        day -= 1;
    }
    streak
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn result(skill: &str, ratio: f64) -> SkillResult {
        SkillResult {
            skill: skill.to_owned(),
            ratio,
        }
    }

    fn module(id: &str, skill: &str, level: u8) -> CatalogueEntry {
        CatalogueEntry {
            module_id: id.to_owned(),
            skill: skill.to_owned(),
            level,
            premium_program: None,
        }
    }

    #[test]
    fn a_premium_module_is_open_to_its_programs_students_only() {
        let mut m = module("m", "fractions", 2);
        assert!(m.open_to(&[]));
        m.premium_program = Some("p1".into());
        assert!(!m.open_to(&[]));
        assert!(!m.open_to(&["p2".into()]));
        assert!(m.open_to(&["p2".into(), "p1".into()]));
    }

    #[test]
    fn levels_follow_the_ratio() {
        let cases = [
            (0.0, 1),
            (0.19, 1),
            (0.2, 2),
            (0.5, 3),
            (0.79, 4),
            (0.8, 5),
            (1.0, 5),
        ];
        for (ratio, level) in cases {
            assert_eq!(target_level(ratio), level, "{ratio}");
        }
        assert_eq!(target_level(f64::NAN), 1);
    }

    #[test]
    fn the_plan_trains_weak_skills_weakest_first_at_their_level() {
        let catalogue = [
            module("m1", "fractions", 1),
            module("m3", "fractions", 3),
            module("g2", "geometry", 2),
            module("g5", "geometry", 5),
            module("e4", "equations", 4),
        ];
        let items = build_plan(
            &[
                result("fractions", 0.5),
                result("equations", 0.9),
                result("geometry", 0.1),
                result("algebra", 0.7),
            ],
            &catalogue,
        );
        let got: Vec<(&str, Option<&str>, u8)> = items
            .iter()
            .map(|i| (i.skill.as_str(), i.module_id.as_deref(), i.level))
            .collect();
        assert_eq!(
            got,
            [
                ("geometry", Some("g2"), 2),
                ("fractions", Some("m3"), 3),
                ("algebra", None, 4),
            ]
        );
        assert!(items.iter().all(|i| i.status == ItemStatus::Todo));
    }

    #[test]
    fn equally_near_levels_prefer_the_easier_module() {
        let items = build_plan(
            &[result("s", 0.5)],
            &[module("hard", "s", 4), module("easy", "s", 2)],
        );
        assert_eq!(items[0].module_id.as_deref(), Some("easy"));
    }

    #[test]
    fn mastery_is_four_fifths_or_better() {
        assert!(is_mastered(4, 5));
        assert!(is_mastered(8, 10));
        assert!(!is_mastered(7, 9));
        assert!(!is_mastered(0, 0));
        assert!(is_mastered(3, 3));
    }

    #[test]
    fn mastering_a_level_completes_that_level_and_below() {
        let mut items = build_plan(
            &[result("a", 0.1), result("b", 0.5)],
            &[module("a1", "a", 1), module("b3", "b", 3)],
        );
        assert!(!apply_mastery(&mut items, "b", 2));
        assert!(apply_mastery(&mut items, "a", 5));
        assert!(!all_done(&items));
        assert!(apply_mastery(&mut items, "b", 3));
        assert!(all_done(&items));
        assert!(!apply_mastery(&mut items, "b", 3), "done stays done");
    }

    #[test]
    fn the_streak_counts_back_from_today_or_yesterday() {
        let days = BTreeSet::from([10, 11, 12, 14]);
        assert_eq!(streak_days(&days, 14), 1);
        assert_eq!(streak_days(&days, 13), 3);
        assert_eq!(streak_days(&days, 12), 3);
        assert_eq!(streak_days(&days, 16), 0);
        assert_eq!(streak_days(&BTreeSet::new(), 5), 0);
    }

    fn catalogue() -> impl Strategy<Value = Vec<CatalogueEntry>> {
        prop::collection::vec(("[a-e]", 1u8..=5), 0..20).prop_map(|ms| {
            ms.into_iter()
                .enumerate()
                .map(|(i, (skill, level))| module(&format!("m{i:02}"), &skill, level))
                .collect()
        })
    }

    fn results() -> impl Strategy<Value = Vec<SkillResult>> {
        prop::collection::btree_map("[a-h]", 0.0f64..=1.0, 0..8)
            .prop_map(|m| m.into_iter().map(|(s, r)| result(&s, r)).collect())
    }

    proptest! {
        #[test]
        fn plans_hold_exactly_the_weak_skills_weakest_first(
            results in results(),
            catalogue in catalogue(),
        ) {
            let items = build_plan(&results, &catalogue);
            let mut planned: Vec<&str> = items.iter().map(|i| i.skill.as_str()).collect();
            planned.sort_unstable();
            let mut weak: Vec<&str> = results
                .iter()
                .filter(|r| r.ratio < WEAK_BELOW)
                .map(|r| r.skill.as_str())
                .collect();
            weak.sort_unstable();
            prop_assert_eq!(planned, weak);
            for pair in items.windows(2) {
                prop_assert!(pair[0].ratio <= pair[1].ratio);
            }
        }

        #[test]
        fn each_item_gets_the_module_nearest_its_level(
            results in results(),
            catalogue in catalogue(),
        ) {
            for item in build_plan(&results, &catalogue) {
                let target = target_level(item.ratio);
                let of_skill: Vec<&CatalogueEntry> =
                    catalogue.iter().filter(|m| m.skill == item.skill).collect();
                match &item.module_id {
                    None => {
                        prop_assert!(of_skill.is_empty());
                        prop_assert_eq!(item.level, target);
                    }
                    Some(id) => {
                        let chosen = of_skill.iter().find(|m| &m.module_id == id);
                        prop_assert!(chosen.is_some(), "{} is not a module of {}", id, item.skill);
                        let best = of_skill.iter().map(|m| m.level.abs_diff(target)).min();
                        prop_assert_eq!(Some(item.level.abs_diff(target)), best);
                        prop_assert!((Level::MIN..=Level::MAX).contains(&item.level));
                    }
                }
            }
        }

        #[test]
        fn the_streak_never_exceeds_the_days_trained(
            days in prop::collection::btree_set(0i64..60, 0..60),
            today in 0i64..70,
        ) {
            let streak = streak_days(&days, today);
            prop_assert!(streak as usize <= days.len());
            prop_assert_eq!(streak > 0, days.contains(&today) || days.contains(&(today - 1)));
        }
    }
}
