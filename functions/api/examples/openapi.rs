//! Writes the OpenAPI document assembled from every domain (`make openapi`), or with
//! `--check` fails when the committed one differs (`make openapi-check`, part of `make test`).
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (check, path) = match (args.next(), args.next()) {
        (Some(flag), Some(path)) if flag == "--check" => (true, path),
        (Some(path), None) if !path.starts_with('-') => (false, path),
        _ => {
            eprintln!("usage: openapi [--check] docs/openapi.json");
            return ExitCode::from(2);
        }
    };
    let text = match api::assemble::document_text() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let operations = api::assemble::routes(&doc).len();
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            eprintln!(
                "{path} is not what the code declares: run `make openapi` and commit the result"
            );
            return ExitCode::FAILURE;
        }
        println!("{path}: up to date ({operations} operations)");
    } else if let Err(e) = std::fs::write(&path, &text) {
        eprintln!("writing {path}: {e}");
        return ExitCode::FAILURE;
    } else {
        println!("{path}: written ({operations} operations)");
    }
    ExitCode::SUCCESS
}
