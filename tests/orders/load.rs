//! Two hundred orders of every kind, sixteen in flight at a time: good cards, declined
//! cards, a provider that fails once, unknown tokens, a scarce product that sells out, and
//! customers cancelling some confirmed orders. At the end the books balance and no order
//! is left pending. Prints how long an order took from POST to confirmed, as a client
//! polling every 25 ms sees it (no timing assertion: that depends on the machine).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use e2e::{Session, TestCloud};
use futures::StreamExt;
use serde_json::Value;

use crate::{
    PATIENCE, POLL, PRICE, assert_books, assert_outcome, available, cancel, cancelled, cloud,
    create_product, get_order, id_of, is_settled, list_orders, place, student,
};

const ORDERS: usize = 200;
/// Orders placed one at a time before the run, for a latency baseline.
const ALONE: usize = 5;
const IN_FLIGHT: usize = 16;
const USERS: usize = 4;
const PLENTY: i64 = 10_000;
const SCARCE: i64 = 20;
const SCARCE_PRICE: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Buy,
    BuyThenCancel,
    Declined,
    ProviderFailsOnce,
    UnknownToken,
    BuyScarce,
}

impl Plan {
    /// Out of every 20: 9 plain buys, 2 cancelled after confirmation, 2 declined, 2 with a
    /// transient provider error, 1 unknown token, 4 for the scarce product.
    fn of(i: usize) -> Self {
        match i % 20 {
            0..=8 => Plan::Buy,
            9 | 10 => Plan::BuyThenCancel,
            11 | 12 => Plan::Declined,
            13 | 14 => Plan::ProviderFailsOnce,
            15 => Plan::UnknownToken,
            _ => Plan::BuyScarce,
        }
    }

    fn token(self) -> &'static str {
        match self {
            Plan::Declined => "tok_declined",
            Plan::ProviderFailsOnce => "tok_error",
            Plan::UnknownToken => "tok_unknown",
            Plan::Buy | Plan::BuyThenCancel | Plan::BuyScarce => "tok_ok",
        }
    }
}

struct Outcome {
    plan: Plan,
    order: Value,
    /// POST sent → `confirmed` first seen, for orders that got there.
    to_confirmed: Option<Duration>,
}

/// Places one order, polls it every [`POLL`] until it settles, and cancels it if planned.
async fn run(t: &TestCloud, who: &Session, product: &str, quantity: u32, plan: Plan) -> Outcome {
    let started = Instant::now();
    let id = place(t, who, product, quantity, plan.token()).await;
    let deadline = started + PATIENCE;
    let order = loop {
        let r = get_order(t, who, &id).await;
        if r.status == 200 && is_settled(&r.body) {
            break r.body;
        }
        assert!(
            Instant::now() < deadline,
            "order {id} ({plan:?}) not settled after {PATIENCE:?}: {} {}\n{}",
            r.status,
            r.text,
            t.log_tail(40)
        );
        tokio::time::sleep(POLL).await;
    };
    let to_confirmed = (order["status"] == "confirmed").then(|| started.elapsed());
    let order = if plan == Plan::BuyThenCancel && order["status"] == "confirmed" {
        let r = cancel(t, who, &id).await;
        assert_eq!(r.status, 202, "cancel {id}: {}", r.text);
        cancelled(t, who, &id).await
    } else {
        order
    };
    Outcome {
        plan,
        order,
        to_confirmed,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::test]
async fn two_hundred_mixed_orders_balance_the_books_and_none_is_left_pending() {
    let (t, admin) = cloud().await;
    let plenty = id_of(&create_product(&t, &admin, "Premium program", PRICE, PLENTY).await);
    let scarce = id_of(&create_product(&t, &admin, "Masterclass", SCARCE_PRICE, SCARCE).await);
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(student(&t, &format!("load{i}-")).await);
    }

    // A baseline first: a few orders one at a time, nothing else in flight.
    let mut alone = Vec::new();
    for _ in 0..ALONE {
        alone.push(run(&t, &users[0], &plenty, 1, Plan::Buy).await);
    }

    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = futures::stream::iter(0..ORDERS)
        .map(|i| {
            let plan = Plan::of(i);
            let who = &users[i % USERS];
            let (product, quantity) = match plan {
                Plan::BuyScarce => (&scarce, 1),
                _ => (&plenty, 1 + (i % 3) as u32),
            };
            run(&t, who, product, quantity, plan)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = outcomes.iter().filter_map(|o| o.to_confirmed).collect();
    let mut baseline: Vec<Duration> = alone.iter().filter_map(|o| o.to_confirmed).collect();
    outcomes.extend(alone);

    // Each plan ended the way it should.
    let mut tally: HashMap<String, usize> = HashMap::new();
    for o in &outcomes {
        let order = &o.order;
        match o.plan {
            Plan::Buy | Plan::ProviderFailsOnce => assert_outcome(order, "confirmed", None),
            Plan::BuyThenCancel => {
                assert_outcome(order, "cancelled", Some("cancelled_by_customer"))
            }
            Plan::Declined | Plan::UnknownToken => {
                assert_outcome(order, "cancelled", Some("payment_declined"))
            }
            Plan::BuyScarce if order["status"] == "confirmed" => {
                assert_outcome(order, "confirmed", None)
            }
            Plan::BuyScarce => assert_outcome(order, "rejected", Some("out_of_stock")),
        }
        let key = format!(
            "{}/{}",
            order["status"].as_str().unwrap_or("?"),
            order["reason"].as_str().unwrap_or("-")
        );
        *tally.entry(key).or_default() += 1;
    }
    let scarce_sold = outcomes
        .iter()
        .filter(|o| o.plan == Plan::BuyScarce && o.order["status"] == "confirmed")
        .count();
    assert_eq!(
        scarce_sold as i64, SCARCE,
        "every unit of the scarce product sold: {tally:?}"
    );

    // The books, from the orders as the API lists them now.
    let mut listed = Vec::new();
    for u in &users {
        listed.extend(list_orders(&t, u, 100).await);
    }
    assert_eq!(listed.len(), ORDERS + ALONE);
    let pending: Vec<&Value> = listed.iter().filter(|o| !is_settled(o)).collect();
    assert!(pending.is_empty(), "orders left pending: {pending:#?}");
    assert_books(
        &t,
        &users[0],
        &listed,
        &[(&plenty, PLENTY), (&scarce, SCARCE)],
    )
    .await;
    assert_eq!(available(&t, &users[0], &scarce).await, 0);

    latencies.sort();
    baseline.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "saga latency: {} orders POST → confirmed one at a time (polled every {} ms): median {:.0} ms, min {:.0} ms, max {:.0} ms",
        baseline.len(),
        POLL.as_millis(),
        ms(percentile(&baseline, 50.0)),
        ms(baseline[0]),
        ms(baseline[baseline.len() - 1]),
    );
    eprintln!(
        "saga latency: {} orders POST → confirmed (polled every {} ms, {IN_FLIGHT} orders in flight): \
         median {:.0} ms, p99 {:.0} ms, min {:.0} ms, max {:.0} ms; {ORDERS} orders settled in {:.1} s; outcomes {tally:?}",
        latencies.len(),
        POLL.as_millis(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies[0]),
        ms(latencies[latencies.len() - 1]),
        elapsed.as_secs_f64(),
    );
}
