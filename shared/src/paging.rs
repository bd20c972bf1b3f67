//! One way to serve a list: `?limit=` and `?cursor=` in, a DynamoDB query page out, with a
//! `nextCursor` that is `None` exactly when nothing follows.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use lambda_http::Request;

use crate::cursor::CursorCodec;
use crate::dynamo::{Item, PK, SK};
use crate::http::{page_limit, query};
use crate::problem::ApiError;
use crate::store::StoreError;

/// What a list request asks for: how many, and where to continue (already verified).
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: usize,
    pub start: Option<Item>,
}

impl PageRequest {
    /// `?limit=` (400 outside 1..=100) and `?cursor=` (400 unless this list, `scope`, made it).
    pub fn from_request(req: &Request, codec: &CursorCodec, scope: &str) -> Result<Self, ApiError> {
        let limit = page_limit(req)?;
        let start = query(req, "cursor")
            .map(|c| codec.decode(scope, c))
            .transpose()?;
        Ok(Self { limit, start })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

impl Page {
    /// Its items read by `parse` (the first that fails fails the page), with its cursor.
    pub fn parse<T>(
        self,
        parse: impl FnMut(&Item) -> Result<T, StoreError>,
    ) -> Result<crate::http::Page<T>, StoreError> {
        Ok(crate::http::Page {
            items: self.items.iter().map(parse).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

/// Every page of a query, one after the other: for work over all of what it finds, a page
/// at a time.
pub struct Pages {
    query: QueryFluentBuilder,
    start: Option<Item>,
    done: bool,
}

impl Pages {
    /// The pages of `query` (table, key condition and the rest already set).
    pub fn new(query: QueryFluentBuilder) -> Self {
        Self {
            query,
            start: None,
            done: false,
        }
    }

    /// The next page's items; `None` once the last page was handed out.
    pub async fn next(&mut self) -> Result<Option<Vec<Item>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let out = self
            .query
            .clone()
            .set_exclusive_start_key(self.start.take())
            .send()
            .await?;
        self.start = out.last_evaluated_key;
        self.done = self.start.is_none();
        Ok(Some(out.items.unwrap_or_default()))
    }
}

/// Runs `query` (table, key condition, order already set) for one page. It asks for one
/// item more than the page holds, so a full last page does not hand out a cursor to an
/// empty one.
pub async fn query_page(
    query: QueryFluentBuilder,
    page: &PageRequest,
    codec: &CursorCodec,
    scope: &str,
) -> Result<Page, StoreError> {
    let wanted = i32::try_from(page.limit + 1).unwrap_or(i32::MAX);
    let out = query
        .set_exclusive_start_key(page.start.clone())
        .limit(wanted)
        .send()
        .await?;
    let mut items = out.items.unwrap_or_default();
    let next_cursor = if items.len() > page.limit {
        items.truncate(page.limit);
        items.last().map(|last| {
            let key: Item = [PK, SK]
                .iter()
                .filter_map(|k| last.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                .collect();
            codec.encode(scope, &key)
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}
