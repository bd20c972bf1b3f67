//! Each domain owns one table and nobody else touches it: a function may refer (in its
//! environment, policies, event sources or its explicit role) to its own domain's table
//! only. The domain is the function's `CodeUri` folder, `functions/<domain>`; its table is
//! `PascalCase(<domain>)Table`.

use serde_json::Value;

use crate::check::{Project, mentions, pascal_case};
use crate::template::{FUNCTION, TABLE, Template};

/// A problem for every function that refers to another domain's table.
pub fn tables_owned_by_their_domain(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, function) in template.of_kind(FUNCTION) {
        let code_uri = function.properties["CodeUri"].as_str().unwrap_or_default();
        let domain = code_uri
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let own = format!("{}Table", pascal_case(domain));
        // An explicit role is part of what the function may touch.
        let roles: Vec<&Value> = template
            .of_kind("AWS::IAM::Role")
            .filter(|(role, _)| mentions(&function.properties, role))
            .map(|(_, role)| &role.properties)
            .collect();
        for (table, _) in template.of_kind(TABLE) {
            let referenced = mentions(&function.properties, table)
                || roles.iter().any(|role| mentions(role, table));
            if referenced && table != own {
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
        tables_owned_by_their_domain(&template, &Project::default())
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
