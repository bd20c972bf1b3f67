//! One clock, passed in where time matters, so tests can fix it.

use std::sync::Mutex;
use time::OffsetDateTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn at(t: OffsetDateTime) -> Self {
        Self(Mutex::new(t))
    }

    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

/// RFC 3339 in UTC to the millisecond, the one time format of the API.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_millisecond(t.millisecond()).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_utc_to_the_millisecond() {
        assert_eq!(
            rfc3339(datetime!(2026-11-24 21:14:05.106592456 +01:00)),
            "2026-11-24T20:14:05.106Z"
        );
        assert_eq!(
            rfc3339(datetime!(2026-11-24 20:14:05 UTC)),
            "2026-11-24T20:14:05Z"
        );
    }
}
