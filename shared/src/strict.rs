//! The input policy's deserializer: a JSON value read into a typed field the way the
//! OpenAPI document describes it, and no more loosely.
//!
//! serde's derived structs also accept a JSON array of their fields in order
//! (`"kakao": [false, "010..."]`) and ignore keys they do not know. Read through [`Strict`],
//! a struct is only ever a JSON object, and an object key that is not one of the struct's
//! fields is an error at its own path (`kakao.enabeld`), at every depth. A number without
//! a fraction is an integer however it is written (`2.0`), as JSON Schema says.

use serde::Deserializer;
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{Error as _, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;

/// A JSON value to deserialize strictly (see the module docs).
#[derive(Debug)]
pub struct Strict(pub Value);

type E = serde_json::Error;

impl<'de> IntoDeserializer<'de, E> for Strict {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    map: serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, E> {
    let mut entries = MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Strict(v))));
    let value = visitor.visit_map(&mut entries)?;
    entries.end()?;
    Ok(value)
}

impl<'de> Deserializer<'de> for Strict {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    // JSON Schema's `integer` is any number without a fraction: `2.0` is 2.
                    // Within 2^53 a float holds every integer exactly.
                    if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                        if f >= 0.0 {
                            visitor.visit_u64(f as u64)
                        } else {
                            visitor.visit_i64(f as i64)
                        }
                    } else {
                        visitor.visit_f64(f)
                    }
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Strict));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    /// Only an object, and only with the struct's own keys.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.0 {
            Value::Object(map) => {
                if let Some(unknown) = map.keys().find(|k| !fields.contains(&k.as_str())) {
                    return Err(E::unknown_field(unknown, fields));
                }
                visit_object(map, visitor)
            }
            other => Err(E::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        // Unit variants are strings; anything richer keeps serde_json's own reading.
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Kakao {
        enabled: bool,
        phone: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        kakao: Kakao,
        tags: Vec<u8>,
    }

    fn read<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, String> {
        serde_path_to_error::deserialize(Strict(v)).map_err(|e| format!("{} {}", e.path(), e))
    }

    #[test]
    fn an_object_reads_as_before() {
        let v = json!({"kakao": {"enabled": true, "phone": null}, "tags": [1, 2]});
        assert_eq!(
            read::<Outer>(v),
            Ok(Outer {
                kakao: Kakao {
                    enabled: true,
                    phone: None
                },
                tags: vec![1, 2]
            })
        );
    }

    #[test]
    fn a_struct_never_reads_from_an_array() {
        let err = read::<Outer>(json!({"kakao": [false], "tags": []})).unwrap_err();
        assert!(err.starts_with("kakao "), "{err}");
        assert!(err.contains("invalid type: sequence"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_path() {
        let err = read::<Outer>(json!({"kakao": {"enabled": true, "enabeld": 1}, "tags": []}))
            .unwrap_err();
        assert!(err.starts_with("kakao "), "{err}");
        assert!(err.contains("unknown field `enabeld`"), "{err}");
    }

    #[test]
    fn numbers_keep_their_type_rules() {
        assert!(read::<u8>(json!(256)).is_err());
        // JSON Schema's integer: a number without a fraction, however it is written.
        assert_eq!(read::<u8>(json!(1.0)), Ok(1));
        assert_eq!(read::<i64>(json!(-2.0)), Ok(-2));
        assert!(read::<u8>(json!(1.5)).is_err());
        assert!(read::<u8>(json!(256.0)).is_err());
        assert!(read::<i64>(json!(-3)).is_ok());
        assert!(read::<f64>(json!(3)).is_ok());
        assert!(read::<String>(json!(3)).is_err());
    }
}
