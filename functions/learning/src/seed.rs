//! The demo catalogue `make dev` seeds: a module for each demo skill (the diagnostic's
//! `fractions`, `equations`, `geometry`) at each level 1..=5, three exercises each, and the
//! demo program's premium modules (one per skill, at level 5), which open to the students
//! who bought the program (inventory's demo product `01JDEMP0000000000000000001` sells
//! it). Ids are fixed, so running it again changes nothing (conditional puts).

use serde::Serialize;
use shared::clock::rfc3339;
use shared::store::StoreError;

use crate::App;
use crate::model::{Exercise, Level, Module};
use crate::store::Created;

/// The demo program: inventory's first demo product sells it.
pub const DEMO_PROGRAM: &str = "01JDEMR0000000000000000001";

pub const SKILLS: [&str; 3] = ["fractions", "equations", "geometry"];
const EXERCISES_PER_MODULE: u32 = 3;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub modules: usize,
    pub created: usize,
}

/// Exercise `k` of a `skill` module at `level`: prompt, the right answer, two wrong ones.
fn exercise(skill: &str, level: u32, k: u32) -> (String, [String; 3]) {
    let step = level * 2 + k;
    match skill {
        "fractions" => {
            let d = step + 1;
            (
                format!("What is 1/{d} + 1/{d}?"),
                [
                    format!("2/{d}"),
                    format!("1/{}", d * 2),
                    format!("2/{}", d * 2 + 1),
                ],
            )
        }
        "equations" => {
            let (a, x) = (level + 2, step + 1);
            (
                format!("Solve for x: {a}x = {}", a * x),
                [x.to_string(), (x + 1).to_string(), (a * x - a).to_string()],
            )
        }
        _ => {
            // Sides of 5 or more: the perimeter (4s) never equals the area (s²).
            let side = step + 4;
            (
                format!("A square has sides of {side} cm. What is its perimeter?"),
                [
                    format!("{} cm", 4 * side),
                    format!("{} cm", side * side),
                    format!("{} cm", 2 * side),
                ],
            )
        }
    }
}

pub fn demo_modules(now: &str) -> Vec<Module> {
    let mut modules = Vec::new();
    for (s, skill) in SKILLS.iter().enumerate() {
        for level in u32::from(Level::MIN)..=u32::from(Level::MAX) {
            let n = s as u32 * 10 + level;
            let exercises: Vec<Exercise> = (0..EXERCISES_PER_MODULE)
                .map(|k| {
                    let (prompt, mut choices) = exercise(skill, level, k);
                    // The right answer is first; rotate so it moves around.
                    let shift = ((level + k) % 3) as usize;
                    choices.rotate_right(shift);
                    Exercise {
                        prompt,
                        choices: choices.to_vec(),
                        answer_index: shift as u32,
                    }
                })
                .collect();
            let title = skill[..1].to_uppercase() + &skill[1..];
            if level == u32::from(Level::MAX) {
                // The program's module of this skill: the same exercises, premium.
                modules.push(Module {
                    id: format!("01JDEMM{:019}", n + 100),
                    title: format!("{title} · program level {level}"),
                    skill: (*skill).to_owned(),
                    level: level as u8,
                    exercises: exercises.clone(),
                    premium: true,
                    program_id: Some(DEMO_PROGRAM.to_owned()),
                    created_at: now.to_owned(),
                });
            }
            modules.push(Module {
                id: format!("01JDEMM{n:019}"),
                title: format!("{title} · level {level}"),
                skill: (*skill).to_owned(),
                level: level as u8,
                exercises,
                premium: false,
                program_id: None,
                created_at: now.to_owned(),
            });
        }
    }
    modules
}

pub async fn seed_catalogue(app: &App) -> Result<Seeded, StoreError> {
    let modules = demo_modules(&rfc3339(app.clock.now()));
    let mut created = 0;
    for module in &modules {
        if app.store.create_module(module).await? == Created::New {
            created += 1;
        }
    }
    Ok(Seeded {
        modules: modules.len(),
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_modules_cover_every_skill_and_level_with_valid_exercises() {
        let modules = demo_modules("2026-11-24T12:00:00Z");
        assert_eq!(modules.len(), 18);
        for skill in SKILLS {
            let premium: Vec<&Module> = modules
                .iter()
                .filter(|m| m.skill == skill && m.premium)
                .collect();
            assert_eq!(premium.len(), 1, "{skill}");
            assert_eq!(premium[0].program_id.as_deref(), Some(DEMO_PROGRAM));
            let mut levels: Vec<u8> = modules
                .iter()
                .filter(|m| m.skill == skill && !m.premium)
                .map(|m| m.level)
                .collect();
            levels.sort_unstable();
            assert_eq!(levels, [1, 2, 3, 4, 5], "{skill}");
        }
        assert!(shared::is_id(DEMO_PROGRAM));
        for m in &modules {
            assert!(shared::is_id(&m.id), "{}", m.id);
            for e in &m.exercises {
                assert!((e.answer_index as usize) < e.choices.len());
                let mut distinct = e.choices.clone();
                distinct.sort();
                distinct.dedup();
                assert_eq!(distinct.len(), e.choices.len(), "{e:?}");
            }
        }
    }
}
