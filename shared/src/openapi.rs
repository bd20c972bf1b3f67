//! The contract's shared vocabulary: the schemas and parameters that every domain's
//! operations use, so each is written once and says what the code in this crate enforces.
//!
//! Each domain declares its operations beside its handlers (`#[utoipa::path]`) and lists them
//! in one `ApiDoc`; the `api` crate assembles the whole document (`docs/openapi.json`) and adds
//! what follows from an operation's shape by rule (see `api::assemble`): the problems every
//! body, token, path id and list can give, `x-request-id` on every response, the ULID pattern
//! on every path id. An operation lists only the problems of its own use case, by status, in
//! its `x-problems` extension: `extensions(("x-problems" = json!({"404": ["post_not_found"]})))`.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::text::{Slug, Text};

/// What every id we issue looks like: a ULID, any case (the canonical spelling is uppercase).
pub const ULID_PATTERN: &str = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$";

/// The body of every error: `application/problem+json` (RFC 9457) with a stable `code`.
#[derive(ToSchema)]
#[schema(as = Problem)]
#[allow(dead_code)]
pub struct ProblemDoc {
    /// Always `about:blank`: the `code` says what happened.
    #[schema(rename = "type", value_type = String)]
    kind: String,
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    status: u16,
    /// Stable snake_case code to switch on; each response lists the codes it can carry.
    code: String,
    /// A short, fixed summary of the code.
    title: String,
    /// What went wrong, for a person.
    detail: String,
    /// Every invalid field, at its JSON path (`questions[2].choices`); only on
    /// `validation_failed`.
    #[schema(nullable = false)]
    errors: Option<Vec<crate::problem::FieldError>>,
    /// The request id (also in `x-request-id`) to quote to support.
    #[schema(rename = "requestId")]
    request_id: String,
}

/// `?limit=` and `?cursor=` of every list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageQuery {
    /// How many items, 1 to 100 (20 when absent).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u8>,
    /// `nextCursor` of the previous page of this same list; anything else is a 400.
    #[param(min_length = 1, max_length = 2048)]
    cursor: Option<String>,
}

/// The `Idempotency-Key` header of a creating request a client may retry.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKeyHeader {
    /// 1 to 255 visible ASCII characters, chosen by the client per intended request: the
    /// same key and the same JSON content replay the first answer; the same key with other
    /// content is a 409 `idempotency_key_reused`.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    key: String,
}

/// Rust's `char::is_whitespace` (Unicode White_Space), as the inside of a regex class.
pub const WHITE_SPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Rust's `char::is_control` (Unicode Cc), as the inside of a regex class.
pub const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Characters of a [`Text`]: no control characters but tab and line feed.
const TEXT_CHARS: &str = r"[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*";
/// A character that is neither white space nor a control.
const VISIBLE_CHAR: &str =
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// A string schema of at most `max_chars` characters (as sent), matching `pattern`
/// (ECMA-262, as JSON Schema reads it), with a description for people.
pub fn string_schema(max_chars: usize, pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max_chars))
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// The pattern of a [`Text`] of at least `min` characters after trimming (0 or 1).
pub fn text_pattern(min: usize) -> String {
    if min == 0 {
        format!("^{TEXT_CHARS}$")
    } else {
        format!("^{TEXT_CHARS}{VISIBLE_CHAR}{TEXT_CHARS}$")
    }
}

impl<const MIN: usize, const MAX: usize> PartialSchema for Text<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        let description = if MIN == 0 {
            format!(
                "Up to {MAX} characters; no control characters but tab and line feed. \
                 Stored without leading and trailing white space."
            )
        } else {
            format!(
                "1 to {MAX} characters with at least one that is not white space; no control \
                 characters but tab and line feed. Stored without leading and trailing white space."
            )
        };
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX))
            .pattern(Some(text_pattern(MIN)))
            .description(Some(description))
            .into()
    }
}

impl<const MIN: usize, const MAX: usize> ToSchema for Text<MIN, MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Text{MIN}To{MAX}"))
    }
}

impl<const MAX: usize> PartialSchema for Slug<MAX> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX))
            .pattern(Some("^[a-z0-9]+(-[a-z0-9]+)*$"))
            .description(Some(
                "A machine name: lowercase ASCII letters and digits in words joined by single \
                 hyphens (`linear-equations`).",
            ))
            .into()
    }
}

impl<const MAX: usize> ToSchema for Slug<MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Slug{MAX}"))
    }
}

impl PartialSchema for crate::money::Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "amount",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(schema::SchemaFormat::KnownFormat(
                        schema::KnownFormat::Int64,
                    )))
                    .minimum(Some(0))
                    .maximum(Some(crate::money::MAX_AMOUNT))
                    .description(Some("In the currency's minor units (KRW has none).")),
            )
            .property(
                "currency",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[A-Z]{3}$"))
                    .description(Some("ISO 4217 code, such as KRW.")),
            )
            .required("amount")
            .required("currency")
            .additional_properties(Some(schema::AdditionalProperties::FreeForm(false)))
            .examples([serde_json::json!({"amount": 19000, "currency": "KRW"})])
            .into()
    }
}

impl ToSchema for crate::money::Money {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
}

/// The rule of an object whose `answerIndex` names one of its `choices` (a question, an
/// exercise): one branch per number of choices, `min_choices..=max_choices`, each bounding
/// the index by its own count. Combine it (`allOf`) with the object's own closed fields:
/// the branches leave the other fields alone.
pub fn answer_names_a_choice(min_choices: usize, max_choices: usize) -> schema::AnyOfBuilder {
    let mut branches = schema::AnyOf::builder();
    for n in min_choices..=max_choices {
        branches = branches.item(
            ObjectBuilder::new()
                .property(
                    "choices",
                    schema::ArrayBuilder::new()
                        .min_items(Some(n))
                        .max_items(Some(n)),
                )
                .property(
                    "answerIndex",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0))
                        .maximum(Some(n.saturating_sub(1))),
                )
                .additional_properties(Some(schema::AdditionalProperties::FreeForm(true))),
        );
    }
    branches
}

/// The start of a question's or an exercise's closed object: its `prompt` (a `P`) and its
/// `min_choices..=max_choices` `choices` (each a `C`, the list described by
/// `choices_description` if given). The caller adds its other fields, requires them and
/// closes the object.
pub fn prompt_and_choices<P: ToSchema, C: ToSchema>(
    min_choices: usize,
    max_choices: usize,
    choices_description: Option<&str>,
) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("prompt", schema::Ref::from_schema_name(P::name()))
        .property(
            "choices",
            schema::ArrayBuilder::new()
                .items(schema::Ref::from_schema_name(C::name()))
                .min_items(Some(min_choices))
                .max_items(Some(max_choices))
                .description(choices_description),
        )
}

/// The named schemas a hand-written `ToSchema::schemas` registers for the document.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// Registers `T`'s schema under its name: what a hand-written schema that refers to `T` by
/// name adds in its `ToSchema::schemas`, so the document holds what it refers to.
pub fn register<T: ToSchema>(schemas: &mut Schemas) {
    schemas.push((T::name().into_owned(), T::schema()));
}

/// An id we issue, as a schema for fields and parameters.
pub struct Id;

impl PartialSchema for Id {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(ULID_PATTERN))
            .description(Some(
                "A ULID. Case-insensitive: the canonical spelling, which responses use, is uppercase.",
            ))
            .examples(["01JDEMA0000000000000000001"])
            .into()
    }
}

impl ToSchema for Id {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Id")
    }
}

/// An RFC 3339 UTC time with milliseconds, as every response writes it.
pub struct Timestamp;

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(schema::SchemaFormat::KnownFormat(
                schema::KnownFormat::DateTime,
            )))
            .examples(["2026-12-02T13:03:57.000Z"])
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}
