//! `POST /v1/learning/modules` (admin) and `GET /v1/learning/modules?skill=`.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, query};
use shared::paging::PageRequest;
use shared::{ApiError, FieldError};

use crate::model::{
    Choice, Exercise, Level, MAX_CHOICES, MAX_EXERCISES, MIN_CHOICES, Module, Prompt, Skill, Title,
};
use crate::{App, Error};

/// Up to 50 exercises of 6 choices.
const BODY_LIMIT: usize = 128 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewExercise {
    pub prompt: Prompt,
    pub choices: Vec<Choice>,
    pub answer_index: u32,
}

#[derive(Debug)]
pub struct NewModule {
    pub title: Title,
    pub skill: Skill,
    pub level: Level,
    pub exercises: Vec<NewExercise>,
}

impl FromJson for NewModule {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let title = f.required("title");
        let skill = f.required("skill");
        let level = f.required("level");
        let exercises: Option<Vec<NewExercise>> = f.required("exercises");
        if let Some(list) = &exercises {
            if list.is_empty() || list.len() > MAX_EXERCISES {
                f.error(
                    "exercises",
                    format!("must hold 1 to {MAX_EXERCISES} exercises"),
                );
            }
            for (i, e) in list.iter().enumerate() {
                if !(MIN_CHOICES..=MAX_CHOICES).contains(&e.choices.len()) {
                    f.error(
                        &format!("exercises[{i}].choices"),
                        format!("must hold {MIN_CHOICES} to {MAX_CHOICES} choices"),
                    );
                }
                if e.answer_index as usize >= e.choices.len() {
                    f.error(
                        &format!("exercises[{i}].answerIndex"),
                        "must be the index of one of the choices",
                    );
                }
            }
        }
        Some(Self {
            title: title?,
            skill: skill?,
            level: level?,
            exercises: exercises?,
        })
    }
}

impl NewModule {
    pub fn into_module(self, created_at: String) -> Module {
        Module {
            id: shared::new_id(),
            title: self.title.into(),
            skill: self.skill.into(),
            level: self.level.get(),
            exercises: self
                .exercises
                .into_iter()
                .map(|e| Exercise {
                    prompt: e.prompt.into(),
                    choices: e.choices.into_iter().map(String::from).collect(),
                    answer_index: e.answer_index,
                })
                .collect(),
            created_at,
        }
    }
}

/// `POST /v1/learning/modules` (admin) → 201 the module, answers included.
pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let input: NewModule = json_body_limited(&req, BODY_LIMIT)?;
    let module = input.into_module(rfc3339(app.clock.now()));
    app.store
        .transact(app.store.create_module(&module)?)
        .await
        .map_err(Error::from)?;
    tracing::info!(moduleId = %module.id, skill = %module.skill, level = module.level, "module created");
    json(StatusCode::CREATED, &module)
}

/// `GET /v1/learning/modules[?skill=]`: summaries (no exercises), by skill then level.
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let skill = query(&req, "skill")
        .map(|raw| {
            Skill::try_from(raw.to_owned())
                .map_err(|why| ApiError::validation(vec![FieldError::new("skill", why)]))
        })
        .transpose()?;
    let codec = app.cursors()?;
    let scope = format!("modules:{}", skill.as_ref().map_or("*", Skill::as_str));
    let page = PageRequest::from_request(&req, codec, &scope)?;
    let (items, next_cursor) = app
        .store
        .modules(skill.as_ref().map(Skill::as_str), &page, codec, &scope)
        .await?;
    json(
        StatusCode::OK,
        &json!({ "items": items, "nextCursor": next_cursor }),
    )
}
