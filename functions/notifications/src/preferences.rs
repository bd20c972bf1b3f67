//! `GET` and `PUT /v1/notifications/preferences`: `{locale: "ko"|"en", kakao: {enabled, phone}}`.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::App;
use crate::model::{KakaoPreference, Locale, Phone, Preferences};

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
struct KakaoInput {
    enabled: bool,
    #[serde(default)]
    phone: Option<Phone>,
}

/// The whole preferences document (PUT replaces it).
pub struct PreferencesChange(pub Preferences);

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

pub async fn handle_put(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let PreferencesChange(preferences) = json_body(&req)?;
    let now = rfc3339(app.clock.now());
    app.store
        .put_preferences(&caller.user_id, &preferences, &now)
        .await?;
    json(StatusCode::OK, &preferences)
}
