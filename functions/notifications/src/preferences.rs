//! `GET` and `PUT /v1/notifications/preferences`: `{locale: "ko"|"en", kakao: {enabled, phone}}`.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::App;
use crate::model::{KakaoPreference, Locale, Phone, Preferences};

/// Read one's notification preferences
///
/// Korean, without the external channel, until the caller sets them.
#[utoipa::path(
    get,
    path = "/v1/notifications/preferences",
    tag = "notifications",
    operation_id = "getPreferences",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's preferences (the defaults if never set).", body = Preferences)),
)]
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let preferences = app
        .store
        .preferences(&caller.user_id)
        .await?
        .unwrap_or_default();
    json(StatusCode::OK, &preferences)
}

/// `kakao` as sent; unknown keys are refused so a typo (`enable`) is not silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KakaoInput {
    enabled: bool,
    #[serde(default)]
    phone: Option<Phone>,
}

/// On with a phone, or off with a phone kept or not: one schema per case, since `phone` is
/// required only when `enabled` is `true`.
impl utoipa::PartialSchema for KakaoInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOf, Ref, Type};
        let phone = || Ref::from_schema_name(Phone::name());
        let enabled = |on: bool| {
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .enum_values(Some([on]))
        };
        let on = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("On: notifications are also sent to `phone`."))
            .property("enabled", enabled(true))
            .property("phone", phone())
            .required("enabled")
            .required("phone")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let off = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Off: `phone` may be kept for later, or be left out or `null`.",
            ))
            .property("enabled", enabled(false))
            .property(
                "phone",
                OneOf::builder()
                    .item(phone())
                    .item(ObjectBuilder::new().schema_type(Type::Null)),
            )
            .required("enabled")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        OneOf::builder()
            .description(Some(
                "The KakaoTalk-style channel: `phone` is required when `enabled` is `true`.",
            ))
            .item(on)
            .item(off)
            .into()
    }
}
impl utoipa::ToSchema for KakaoInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "KakaoPreferenceChange".into()
    }

    fn schemas(schemas: &mut shared::openapi::Schemas) {
        shared::openapi::register::<Phone>(schemas);
    }
}

/// The whole preferences document (PUT replaces it).
pub struct PreferencesChange(pub Preferences);

/// `{locale, kakao}`, both required.
impl utoipa::PartialSchema for PreferencesChange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Ref, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "The whole preferences document: it replaces the one stored.",
            ))
            .property("locale", Ref::from_schema_name(Locale::name()))
            .property("kakao", Ref::from_schema_name(KakaoInput::name()))
            .required("locale")
            .required("kakao")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}
impl utoipa::ToSchema for PreferencesChange {
    fn name() -> std::borrow::Cow<'static, str> {
        "NotificationPreferencesChange".into()
    }

    fn schemas(schemas: &mut shared::openapi::Schemas) {
        shared::openapi::register::<Locale>(schemas);
        shared::openapi::register::<KakaoInput>(schemas);
        KakaoInput::schemas(schemas);
    }
}

impl FromJson for PreferencesChange {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let locale: Option<Locale> = f.required("locale");
        let kakao: Option<KakaoInput> = f.required("kakao");
        let kakao = kakao?;
        if kakao.enabled && kakao.phone.is_none() {
            f.error("kakao.phone", "is required to enable kakao");
            return None;
        }
        Some(Self(Preferences {
            locale: locale?,
            kakao: KakaoPreference {
                enabled: kakao.enabled,
                phone: kakao.phone,
            },
        }))
    }
}

/// Replace one's notification preferences
///
/// Send the whole document: the locale notifications are written in and the external
/// channel; `kakao.phone` is required to turn the channel on.
#[utoipa::path(
    put,
    path = "/v1/notifications/preferences",
    tag = "notifications",
    operation_id = "updatePreferences",
    security(("bearer" = [])),
    request_body = PreferencesChange,
    responses((status = 200, description = "The preferences as stored (the phone normalised).", body = Preferences)),
)]
pub async fn handle_put(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let PreferencesChange(preferences) = json_body(&req)?;
    let now = rfc3339(app.clock.now());
    app.store
        .put_preferences(&caller.user_id, &preferences, &now)
        .await?;
    json(StatusCode::OK, &preferences)
}
