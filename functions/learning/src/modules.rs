//! `POST /v1/learning/modules` (admin) and `GET /v1/learning/modules?skill=`.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, query};
use shared::paging::PageRequest;
use shared::{ApiError, FieldError};

use crate::App;
use crate::model::{
    Choice, ChoiceIndex, Exercise, Level, MAX_CHOICES, MAX_EXERCISES, MIN_CHOICES, Module,
    ModuleSummary, Page, Prompt, Skill, Title,
};
use crate::store::Created;

/// Room for the largest valid module (50 exercises of a 500-character prompt and 6 choices
/// of 200, about 85,000 characters) even when every character arrives as a JSON escape
/// (`\ud83d\ude00` is 12 bytes for one character); anything larger is a 413.
pub const BODY_LIMIT: usize = 1088 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewExercise {
    pub prompt: Prompt,
    pub choices: Vec<Choice>,
    pub answer_index: ChoiceIndex,
}

/// `{prompt, choices, answerIndex}`, where `answerIndex` must name one of the choices:
/// beyond what a derived schema can say, so one branch per number of choices.
impl utoipa::PartialSchema for NewExercise {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{AdditionalProperties, AllOf, Ref};
        let fields =
            shared::openapi::prompt_and_choices::<Prompt, Choice>(MIN_CHOICES, MAX_CHOICES, None)
                .property("answerIndex", Ref::from_schema_name(ChoiceIndex::name()))
                .required("prompt")
                .required("choices")
                .required("answerIndex")
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        // With n choices, the answer is one of 0..n; the fields are closed by the first part.
        let answer_fits = shared::openapi::answer_names_a_choice(MIN_CHOICES, MAX_CHOICES);
        AllOf::builder()
            .description(Some(
                "An exercise: a prompt, 2 to 6 choices and the index of the right one.",
            ))
            .item(fields)
            .item(answer_fits)
            .into()
    }
}

impl utoipa::ToSchema for NewExercise {
    fn name() -> std::borrow::Cow<'static, str> {
        "NewModuleExercise".into()
    }

    fn schemas(schemas: &mut shared::openapi::Schemas) {
        shared::openapi::register::<Prompt>(schemas);
        shared::openapi::register::<Choice>(schemas);
        shared::openapi::register::<ChoiceIndex>(schemas);
    }
}

/// A module to add to the catalogue.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct NewModule {
    pub title: Title,
    pub skill: Skill,
    pub level: Level,
    #[schema(min_items = 1, max_items = 50)]
    pub exercises: Vec<NewExercise>,
    /// Only the program's enrolled students may train a premium module (default `false`);
    /// a premium module names its program.
    #[schema(default = false)]
    pub premium: Option<bool>,
    /// The program the module belongs to (required when `premium`).
    #[schema(value_type = Option<shared::openapi::Id>)]
    pub program_id: Option<String>,
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
                if e.answer_index.0 as usize >= e.choices.len() {
                    f.error(
                        &format!("exercises[{i}].answerIndex"),
                        "must be the index of one of the choices",
                    );
                }
            }
        }
        let premium: Option<Option<bool>> = f.optional("premium");
        let raw_program: Option<Option<String>> = f.optional("programId");
        let program_id = match raw_program
            .as_ref()
            .map(|p| p.as_deref().map(shared::canonical_id))
        {
            Some(Some(None)) => {
                f.error("programId", "is not a valid id");
                None
            }
            Some(Some(Some(id))) => Some(Some(id)),
            Some(None) => Some(None),
            None => None,
        };
        if premium == Some(Some(true)) && program_id == Some(None) {
            f.error("programId", "is required for a premium module");
        }
        Some(Self {
            title: title?,
            skill: skill?,
            level: level?,
            exercises: exercises?,
            premium: premium?,
            program_id: program_id?,
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
                    answer_index: e.answer_index.0,
                })
                .collect(),
            premium: self.premium.unwrap_or(false),
            program_id: self.program_id,
            created_at,
        }
    }
}

/// Add a module to the catalogue
///
/// Admins only. The answer is the module, answers included; plans built from then on may
/// suggest it.
#[utoipa::path(
    post,
    path = "/v1/learning/modules",
    tag = "learning",
    operation_id = "createModule",
    security(("bearer" = [])),
    request_body = NewModule,
    responses(
        (status = 201, description = "The module, answers included.", body = Module,
         links(
            ("StartSession" = (operation_id = "startSession",
                request_body = json!({"moduleId": "$response.body#/id"}))),
            ("ListModulesOfSkill" = (operation_id = "listModules",
                parameters(("skill" = "$response.body#/skill")))),
         )),
    ),
    extensions(("x-problems" = json!({"403": ["forbidden"]}))),
)]
pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let input: NewModule = json_body_limited(&req, BODY_LIMIT)?;
    let module = input.into_module(rfc3339(app.clock.now()));
    if app.store.create_module(&module).await? == Created::Existed {
        return Err(ApiError::internal(format!(
            "the fresh module id {} is taken",
            module.id
        )));
    }
    tracing::info!(moduleId = %module.id, skill = %module.skill, level = module.level, "module created");
    json(StatusCode::CREATED, &module)
}

/// List the catalogue's modules
///
/// Summaries, without the exercises, by skill then level; `?skill=` keeps one skill's.
#[utoipa::path(
    get,
    path = "/v1/learning/modules",
    tag = "learning",
    operation_id = "listModules",
    security(("bearer" = [])),
    params(
        ("skill" = Option<Skill>, Query,
         description = "Only this skill's modules (a cursor is bound to it)."),
        shared::openapi::PageQuery,
    ),
    responses((status = 200, description = "A page of module summaries, by skill then level.",
               body = Page<ModuleSummary>)),
)]
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
    json(StatusCode::OK, &Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(body: &Value) -> Result<NewModule, ApiError> {
        let req = http::Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(lambda_http::Body::Text(body.to_string()))
            .unwrap_or_default();
        json_body_limited(&req, BODY_LIMIT)
    }

    fn module(exercises: Value) -> Value {
        json!({"title": " Fractions ", "skill": "fractions", "level": 2, "exercises": exercises})
    }

    fn invalid_fields(body: &Value) -> Vec<String> {
        match parse(body) {
            Ok(_) => Vec::new(),
            Err(e) => e.errors.iter().map(|f| f.field.clone()).collect(),
        }
    }

    #[test]
    fn a_valid_module_parses_and_is_trimmed() {
        let body = module(json!([{"prompt": "1+1?", "choices": ["1", "2"], "answerIndex": 1}]));
        let m = parse(&body).map(|m| m.into_module("t".into()));
        assert!(matches!(&m, Ok(m) if m.title == "Fractions" && m.exercises[0].answer_index == 1));
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_zero_fraction() {
        let mut body = module(json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": 1.0}]));
        body["level"] = json!(5.0);
        let m = parse(&body).map(|m| (m.level.get(), m.exercises[0].answer_index.0));
        assert!(matches!(m, Ok((5, 1))));
    }

    #[test]
    fn levels_and_answers_outside_their_range_are_refused() {
        for level in [
            json!(0),
            json!(6),
            json!(1.5),
            json!(-1),
            json!(256),
            json!("2"),
        ] {
            let mut body =
                module(json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0}]));
            body["level"] = level.clone();
            assert_eq!(invalid_fields(&body), ["level"], "{level}");
        }
        for answer in [
            json!(2),
            json!(6),
            json!(-1),
            json!(0.5),
            json!(4_294_967_296_u64),
        ] {
            let body =
                module(json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": answer}]));
            assert_eq!(
                invalid_fields(&body),
                ["exercises[0].answerIndex"],
                "{answer}"
            );
        }
    }

    #[test]
    fn exercises_and_choices_are_counted() {
        let one = json!({"prompt": "p", "choices": ["a", "b"], "answerIndex": 0});
        assert_eq!(invalid_fields(&module(json!([]))), ["exercises"]);
        let many: Vec<Value> = (0..=MAX_EXERCISES).map(|_| one.clone()).collect();
        assert_eq!(invalid_fields(&module(json!(many))), ["exercises"]);
        let most: Vec<Value> = (0..MAX_EXERCISES).map(|_| one.clone()).collect();
        assert!(parse(&module(json!(most))).is_ok());
        let seven =
            json!([{"prompt": "p", "choices": ["a","b","c","d","e","f","g"], "answerIndex": 0}]);
        assert_eq!(invalid_fields(&module(seven)), ["exercises[0].choices"]);
        let unknown =
            json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0, "hint": "x"}]);
        assert_eq!(invalid_fields(&module(unknown)), ["exercises[0].hint"]);
    }

    #[test]
    fn a_premium_module_names_a_valid_program() {
        let exercises = json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0}]);
        let with = |premium: Value, program: Value| {
            let mut body = module(exercises.clone());
            body["premium"] = premium;
            body["programId"] = program;
            body
        };
        let program = "01jdemp0000000000000000001";
        let m = parse(&with(json!(true), json!(program))).map(|m| m.into_module("t".into()));
        assert!(matches!(&m, Ok(m) if m.premium
            && m.program_id.as_deref() == Some("01JDEMP0000000000000000001")));
        let free = parse(&module(exercises.clone())).map(|m| m.into_module("t".into()));
        assert!(matches!(&free, Ok(m) if !m.premium && m.program_id.is_none()));
        assert_eq!(
            invalid_fields(&with(json!(true), json!(null))),
            ["programId"]
        );
        assert_eq!(
            invalid_fields(&with(json!(true), json!("nope"))),
            ["programId"]
        );
        assert_eq!(
            invalid_fields(&with(json!("yes"), json!(program))),
            ["premium"]
        );
        assert_eq!(invalid_fields(&with(json!(false), json!(7))), ["programId"]);
    }

    /// The largest valid module, every character a 12-byte JSON escape, fits the limit.
    #[test]
    fn the_largest_module_fits_the_body_limit() {
        let escaped = |n: usize| "\\ud83d\\ude00".repeat(n);
        let exercise = format!(
            r#"{{"prompt":"{}","choices":[{}],"answerIndex":5}}"#,
            escaped(500),
            vec![format!(r#""{}""#, escaped(200)); MAX_CHOICES].join(",")
        );
        let body = format!(
            r#"{{"title":"{}","skill":"{}","level":5,"exercises":[{}]}}"#,
            escaped(200),
            "\\u0061".repeat(40),
            vec![exercise; MAX_EXERCISES].join(",")
        );
        assert!(body.len() <= BODY_LIMIT, "{} bytes", body.len());
        let req = http::Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(lambda_http::Body::Text(body))
            .unwrap_or_default();
        assert!(json_body_limited::<NewModule>(&req, BODY_LIMIT).is_ok());
    }
}
