//! Files served beside the API, the way a site's CDN sits beside API Gateway on AWS: a GET
//! (or HEAD) that no route of the template claims is answered from a directory (the built
//! web app and the API docs page), never shadowing a route.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// The file `url_path` names under `root`: a directory means its `index.html`. `None` for
/// anything that would leave `root` or does not exist.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let mut path = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            // `..`, a root or a prefix: nothing outside `root` is served.
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    path.is_file().then_some(path)
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The response for `url_path` from `root`, or `None` when there is no such file.
pub async fn serve(root: &Path, url_path: &str, head: bool) -> Option<Response> {
    let path = resolve(root, url_path)?;
    let bytes = tokio::fs::read(&path).await.ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static(content_type(&path)),
    );
    headers.insert("content-length", HeaderValue::from(bytes.len()));
    // Local files change with every build: never let the browser keep a stale one.
    headers.insert("cache-control", HeaderValue::from_static("no-cache"));
    let body = if head {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    *response.headers_mut() = headers;
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root_and_directories_mean_their_index() {
        let root = std::env::temp_dir().join(format!("static-{}", std::process::id()));
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/index.html"), "<html>").unwrap();
        std::fs::write(root.join("app.js"), "x").unwrap();
        assert_eq!(resolve(&root, "/docs"), Some(root.join("docs/index.html")));
        assert_eq!(resolve(&root, "/docs/"), Some(root.join("docs/index.html")));
        assert_eq!(resolve(&root, "/app.js"), Some(root.join("app.js")));
        assert_eq!(resolve(&root, "/missing.js"), None);
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/docs/%2e%2e/%2e%2e/etc/passwd"), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
