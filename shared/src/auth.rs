//! Access tokens: compact JWS with EdDSA (Ed25519) and a `kid`.
//!
//! Every function verifies with the public keys of `JWT_PUBLIC_JWKS`; only the auth
//! functions read the signing key, from the SSM parameter `JWT_SIGNING_KEY_PARAMETER` names. Verification is strict and small on purpose: the
//! header must say `EdDSA` with a known `kid` (so `alg: none`, HS256 key confusion and
//! unknown keys are refused before any signature work), the signature must verify, and
//! `iss`, `aud` and `exp` must hold.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use lambda_http::Request;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::{self, ConfigError};
use crate::problem::ApiError;
use crate::secrets::Secrets;

/// The environment variable naming the signing key's parameter (the auth functions only).
pub const SIGNING_KEY_PARAMETER: &str = "JWT_SIGNING_KEY_PARAMETER";

pub const ISSUER: &str = "studyloop";
pub const AUDIENCE: &str = "studyloop-api";
/// Access tokens are short-lived; refresh tokens carry the session.
pub const ACCESS_TOKEN_TTL_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Student,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "student" => Some(Role::Student),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling, from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    /// The display name when the token was issued (a rename shows from the next refresh);
    /// `None` for tokens issued before names were carried.
    pub name: Option<String>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only admins may do this."))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: Role,
    /// The user's display name, so that a domain can name its caller in an event without
    /// asking users. Optional: tokens issued before it was added still verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn access(user_id: &str, role: Role, now: OffsetDateTime) -> Self {
        let iat = now.unix_timestamp();
        Self {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: user_id.to_owned(),
            role,
            name: None,
            iat,
            exp: iat + ACCESS_TOKEN_TTL_SECONDS,
        }
    }

    /// The same claims, carrying the user's display name.
    pub fn named(self, name: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            ..self
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
}

/// A public key as a JWK (RFC 8037: OKP / Ed25519).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
    pub kid: String,
    pub x: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    pub fn ed25519(kid: &str, key: &VerifyingKey) -> Self {
        Self {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
            kid: kid.into(),
            x: B64.encode(key.as_bytes()),
        }
    }
}

/// Verifies access tokens.
#[derive(Debug, Clone)]
pub struct TokenVerifier {
    keys: HashMap<String, VerifyingKey>,
    jwks_json: String,
}

impl TokenVerifier {
    /// From `JWT_PUBLIC_JWKS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_jwks(&config::required("JWT_PUBLIC_JWKS")?)
    }

    pub fn from_jwks(json: &str) -> Result<Self, ConfigError> {
        let jwks: Jwks =
            serde_json::from_str(json).map_err(|e| config::invalid("JWT_PUBLIC_JWKS", e))?;
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                return Err(config::invalid(
                    "JWT_PUBLIC_JWKS",
                    format!("key {} is not Ed25519", jwk.kid),
                ));
            }
            let bytes: [u8; 32] = B64
                .decode(&jwk.x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    config::invalid("JWT_PUBLIC_JWKS", format!("key {} has a bad x", jwk.kid))
                })?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|e| config::invalid("JWT_PUBLIC_JWKS", e))?;
            keys.insert(jwk.kid.clone(), key);
        }
        if keys.is_empty() {
            return Err(config::invalid("JWT_PUBLIC_JWKS", "no keys"));
        }
        let jwks_json =
            serde_json::to_string(&jwks).map_err(|e| config::invalid("JWT_PUBLIC_JWKS", e))?;
        Ok(Self { keys, jwks_json })
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }

    /// The caller of `req`, from its `Authorization: Bearer` token; 401 otherwise.
    pub fn authenticate(&self, req: &Request, now: OffsetDateTime) -> Result<Caller, ApiError> {
        let header = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("Sign in: the Authorization header is missing.")
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Use `Authorization: Bearer <accessToken>`."))?;
        let claims = self.verify(token, now)?;
        Ok(Caller {
            user_id: claims.sub,
            role: claims.role,
            name: claims.name,
        })
    }

    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, ApiError> {
        let invalid = || ApiError::unauthorized("The access token is invalid.");
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let header: Header = B64
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(invalid)?;
        if header.alg != "EdDSA" {
            return Err(invalid());
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or_else(invalid)?;
        let signature: [u8; 64] = B64
            .decode(s)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(invalid)?;
        let signing_input = &token[..h.len() + 1 + p.len()];
        key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| invalid())?;
        let claims: Claims = B64
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(invalid)?;
        if claims.iss != ISSUER || claims.aud != AUDIENCE {
            return Err(invalid());
        }
        if claims.exp <= now.unix_timestamp() {
            return Err(ApiError::unauthorized(
                "The access token has expired; refresh it.",
            ));
        }
        Ok(claims)
    }
}

/// Signs access tokens. Only the auth functions are given the key.
pub struct TokenSigner {
    kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// The key `JWT_SIGNING_KEY_ID` names, its seed (base64url of 32 bytes) from the
    /// SecureString parameter that `JWT_SIGNING_KEY_PARAMETER` names.
    pub async fn from_ssm(secrets: &Secrets) -> Result<Self, ConfigError> {
        let kid = config::required("JWT_SIGNING_KEY_ID")?;
        let seed = secrets.read(SIGNING_KEY_PARAMETER).await?;
        Self::from_seed(&kid, seed.expose())
    }

    pub fn from_seed(kid: &str, seed_b64: &str) -> Result<Self, ConfigError> {
        let seed: [u8; 32] = B64
            .decode(seed_b64.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                config::invalid(
                    SIGNING_KEY_PARAMETER,
                    "its value is not base64url of 32 bytes",
                )
            })?;
        Ok(Self {
            kid: kid.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_jwk(&self) -> Jwk {
        Jwk::ed25519(&self.kid, &self.key.verifying_key())
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let header = Header {
            alg: "EdDSA".into(),
            kid: Some(self.kid.clone()),
            typ: Some("JWT".into()),
        };
        let h = B64.encode(serde_json::to_vec(&header).map_err(ApiError::internal)?);
        let p = B64.encode(serde_json::to_vec(claims).map_err(ApiError::internal)?);
        let signing_input = format!("{h}.{p}");
        let signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            B64.encode(signature.to_bytes())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

    fn signer(kid: &str, seed: u8) -> TokenSigner {
        TokenSigner::from_seed(kid, &B64.encode([seed; 32])).unwrap_or_else(|e| panic!("{e}"))
    }

    fn verifier(signers: &[&TokenSigner]) -> TokenVerifier {
        let jwks = Jwks {
            keys: signers.iter().map(|s| s.public_jwk()).collect(),
        };
        TokenVerifier::from_jwks(&serde_json::to_string(&jwks).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn token(s: &TokenSigner) -> String {
        s.sign(&Claims::access("u1", Role::Student, NOW))
            .unwrap_or_default()
    }

    #[test]
    fn a_signed_token_verifies() {
        let s = signer("k1", 7);
        let claims = verifier(&[&s]).verify(&token(&s), NOW);
        assert!(matches!(claims, Ok(c) if c.sub == "u1" && c.role == Role::Student));
    }

    #[test]
    fn the_name_travels_in_the_token() {
        let s = signer("k1", 7);
        let t = s
            .sign(&Claims::access("u1", Role::Student, NOW).named("민지"))
            .unwrap_or_default();
        let claims = verifier(&[&s]).verify(&t, NOW);
        assert!(
            matches!(claims, Ok(c) if c.name.as_deref() == Some("민지")),
            "{t}"
        );
    }

    #[test]
    fn a_token_issued_before_names_still_verifies() {
        // The payload exactly as tokens were signed before the `name` claim existed.
        let s = signer("k1", 7);
        let header = B64.encode(br#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#);
        let payload = B64.encode(format!(
            r#"{{"iss":"studyloop","aud":"studyloop-api","sub":"u1","role":"student","iat":{},"exp":{}}}"#,
            NOW.unix_timestamp(),
            NOW.unix_timestamp() + ACCESS_TOKEN_TTL_SECONDS
        ));
        let signing_input = format!("{header}.{payload}");
        let signature = B64.encode(s.key.sign(signing_input.as_bytes()).to_bytes());
        let claims = verifier(&[&s]).verify(&format!("{signing_input}.{signature}"), NOW);
        assert!(matches!(claims, Ok(c) if c.sub == "u1" && c.name.is_none()));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let s = signer("k1", 7);
        let later = NOW + time::Duration::seconds(ACCESS_TOKEN_TTL_SECONDS);
        assert!(verifier(&[&s]).verify(&token(&s), later).is_err());
    }

    #[test]
    fn unknown_kid_is_refused() {
        let s = signer("k1", 7);
        let other = signer("k2", 8);
        assert!(verifier(&[&other]).verify(&token(&s), NOW).is_err());
    }

    #[test]
    fn a_key_of_the_rotation_still_verifies() {
        let old = signer("k1", 7);
        let new = signer("k2", 8);
        assert!(verifier(&[&new, &old]).verify(&token(&old), NOW).is_ok());
    }

    #[test]
    fn alg_none_is_refused() {
        let s = signer("k1", 7);
        let t = token(&s);
        let payload = t.split('.').nth(1).unwrap_or_default();
        let none = B64.encode(br#"{"alg":"none","kid":"k1"}"#);
        for forged in [format!("{none}.{payload}."), format!("{none}.{payload}")] {
            assert!(verifier(&[&s]).verify(&forged, NOW).is_err(), "{forged}");
        }
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let s = signer("k1", 7);
        let t = token(&s);
        let parts: Vec<&str> = t.split('.').collect();
        let admin = Claims {
            role: Role::Admin,
            ..Claims::access("u1", Role::Student, NOW)
        };
        let p = B64.encode(serde_json::to_vec(&admin).unwrap_or_default());
        let forged = format!("{}.{}.{}", parts[0], p, parts[2]);
        assert!(verifier(&[&s]).verify(&forged, NOW).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        let s = signer("k1", 7);
        for t in ["", ".", "..", "a.b.c", "a.b.c.d", "\u{0}"] {
            assert!(verifier(&[&s]).verify(t, NOW).is_err(), "{t:?}");
        }
    }
}
