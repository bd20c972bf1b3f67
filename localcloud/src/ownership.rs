//! Each domain owns one table and nobody else touches it: a function may refer (in its
//! environment, policies, event sources or its explicit role) to its own domain's table
//! only. The domain is the function's `CodeUri` folder, `functions/<domain>`; its table is
//! `PascalCase(<domain>)Table`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::check::pascal_case;
use crate::template::{FUNCTION, TABLE, Template};

/// Every logical id `v` refers to: `Ref`, `Fn::GetAtt` and `${Id}` / `${Id.Attr}` in `Fn::Sub`.
fn referenced_ids(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("Ref") {
                out.insert(id.clone());
            }
            match map.get("Fn::GetAtt") {
                Some(Value::Array(parts)) => {
                    if let Some(Value::String(id)) = parts.first() {
                        out.insert(id.clone());
                    }
                }
                Some(Value::String(text)) => {
                    out.insert(text.split('.').next().unwrap_or_default().to_string());
                }
                _ => {}
            }
            let sub = match map.get("Fn::Sub") {
                Some(Value::String(text)) => Some(text.as_str()),
                Some(Value::Array(parts)) => parts.first().and_then(Value::as_str),
                _ => None,
            };
            for piece in sub.into_iter().flat_map(|text| text.split("${").skip(1)) {
                let name = piece.split('}').next().unwrap_or_default();
                out.insert(name.split('.').next().unwrap_or_default().to_string());
            }
            map.values().for_each(|x| referenced_ids(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| referenced_ids(x, out)),
        _ => {}
    }
}

/// A problem for every function that refers to another domain's table.
pub fn tables_owned_by_their_domain(template: &Template) -> Vec<String> {
    let tables: BTreeSet<&str> = template.of_kind(TABLE).map(|(id, _)| id).collect();
    let mut problems = Vec::new();
    for (id, function) in template.of_kind(FUNCTION) {
        let code_uri = function.properties["CodeUri"].as_str().unwrap_or_default();
        let domain = code_uri
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let own = format!("{}Table", pascal_case(domain));
        let mut referenced = BTreeSet::new();
        referenced_ids(&function.properties, &mut referenced);
        // An explicit role is part of what the function may touch.
        let roles: Vec<String> = referenced
            .iter()
            .filter(|r| {
                template
                    .resources
                    .get(*r)
                    .is_some_and(|r| r.kind == "AWS::IAM::Role")
            })
            .cloned()
            .collect();
        for role in roles {
            referenced_ids(&template.resources[&role].properties, &mut referenced);
        }
        for table in referenced.iter().filter(|r| tables.contains(r.as_str())) {
            if *table != own {
                problems.push(format!(
                    "{id} ({code_uri}) refers to {table}: a domain's table is its own, and {id}'s is {own}"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Resources:
  ShopTable: { Type: AWS::DynamoDB::Table }
  UsersTable: { Type: AWS::DynamoDB::Table }
  ShopAddItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/shop
      Environment: { Variables: { SHOP_TABLE: !Ref ShopTable } }
      Policies:
        - Statement:
            - { Effect: Allow, Action: [dynamodb:PutItem], Resource: !GetAtt ShopTable.Arn }
  ShopRelayFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/shop/
      Role: !GetAtt ShopRelayRole.Arn
  ShopRelayRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyDocument:
            Statement:
              - { Effect: Allow, Action: [dynamodb:GetRecords], Resource: !GetAtt ShopTable.StreamArn }
"#;

    fn problems(from: &str, to: &str) -> Vec<String> {
        assert!(TEMPLATE.contains(from), "{from}");
        let template = Template::parse(&TEMPLATE.replacen(from, to, 1)).expect("parses");
        tables_owned_by_their_domain(&template)
    }

    #[test]
    fn own_tables_are_fine() {
        assert_eq!(problems("", ""), Vec::<String>::new());
    }

    #[test]
    fn another_domains_table_is_refused_wherever_it_is_named() {
        for (from, to) in [
            ("SHOP_TABLE: !Ref ShopTable", "SHOP_TABLE: !Ref UsersTable"),
            (
                "Resource: !GetAtt ShopTable.Arn",
                "Resource: !GetAtt UsersTable.Arn",
            ),
            (
                "Resource: !GetAtt ShopTable.StreamArn",
                "Resource: !GetAtt UsersTable.StreamArn",
            ),
            (
                "Resource: !GetAtt ShopTable.Arn",
                "Resource: !Sub \"${UsersTable.Arn}/index/*\"",
            ),
        ] {
            let found = problems(from, to);
            assert_eq!(found.len(), 1, "{to}: {found:?}");
            assert!(found[0].contains("refers to UsersTable"), "{found:?}");
        }
    }
}
