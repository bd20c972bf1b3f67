//! What the SDK calls consume, counted into the current invocation ([`crate::invocation`]) by
//! interceptors on the clients, where the clients are built ([`crate::dynamo::client`], the
//! relay's SQS client): no call site has to remember.
//!
//! - [`DynamoCapacity`] asks every DynamoDB operation that can answer it for
//!   `ReturnConsumedCapacity: TOTAL`, and adds the `CapacityUnits` of the answer to the
//!   invocation's read or write units by operation. A transaction reports double (DynamoDB
//!   charges two units per item in one). A write refused by its condition, or a cancelled
//!   transaction, answers with an error that carries no capacity: it is billed, and not
//!   counted here, so the figures are a floor.
//! - [`SqsRequests`] counts every SQS request sent (each attempt: a retried call is billed
//!   again).

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    scan::{ScanInput, ScanOutput},
    transact_get_items::{TransactGetItemsInput, TransactGetItemsOutput},
    transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput},
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::client::interceptors::context::{Input, Output};

#[derive(Debug, Clone, Copy, Default)]
pub struct DynamoCapacity;

/// Sets `return_consumed_capacity` on the first input type `$input` is, unless the caller
/// asked for something already (INDEXES includes the total).
macro_rules! ask_total {
    ($input:expr, $($t:ty),+ $(,)?) => {
        $(
            if let Some(input) = $input.downcast_mut::<$t>() {
                input
                    .return_consumed_capacity
                    .get_or_insert(ReturnConsumedCapacity::Total);
                return;
            }
        )+
    };
}

/// The capacity reported by the first output type `$output` is: `Some((units, is_write))`.
macro_rules! reported {
    ($output:expr, read: [$($r:ty),+], write: [$($w:ty),+], read_many: [$($rm:ty),+], write_many: [$($wm:ty),+]) => {
        $(
            if let Some(out) = $output.downcast_ref::<$r>() {
                return Some((units(out.consumed_capacity.as_slice()), false));
            }
        )+
        $(
            if let Some(out) = $output.downcast_ref::<$w>() {
                return Some((units(out.consumed_capacity.as_slice()), true));
            }
        )+
        $(
            if let Some(out) = $output.downcast_ref::<$rm>() {
                return Some((units(out.consumed_capacity.as_deref().unwrap_or_default()), false));
            }
        )+
        $(
            if let Some(out) = $output.downcast_ref::<$wm>() {
                return Some((units(out.consumed_capacity.as_deref().unwrap_or_default()), true));
            }
        )+
    };
}

fn units(capacity: &[ConsumedCapacity]) -> f64 {
    capacity.iter().filter_map(|c| c.capacity_units).sum()
}

fn ask_for_capacity(input: &mut Input) {
    ask_total!(
        input,
        GetItemInput,
        PutItemInput,
        UpdateItemInput,
        DeleteItemInput,
        QueryInput,
        ScanInput,
        BatchGetItemInput,
        BatchWriteItemInput,
        TransactGetItemsInput,
        TransactWriteItemsInput,
    );
}

/// The units an operation's answer reports, and whether they are write units.
fn capacity_of(output: &Output) -> Option<(f64, bool)> {
    reported!(
        output,
        read: [GetItemOutput, QueryOutput, ScanOutput],
        write: [PutItemOutput, UpdateItemOutput, DeleteItemOutput],
        read_many: [BatchGetItemOutput, TransactGetItemsOutput],
        write_many: [BatchWriteItemOutput, TransactWriteItemsOutput]
    );
    None
}

impl Intercept for DynamoCapacity {
    fn name(&self) -> &'static str {
        "DynamoCapacity"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error()
            && let Some((units, is_write)) = capacity_of(output)
        {
            if is_write {
                crate::invocation::add_capacity(0.0, units);
            } else {
                crate::invocation::add_capacity(units, 0.0);
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SqsRequests;

impl Intercept for SqsRequests {
    fn name(&self) -> &'static str {
        "SqsRequests"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        crate::invocation::add_sqs_request();
        Ok(())
    }
}

/// An SQS client built from `config` that counts its requests.
pub fn sqs_client(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::config::Builder::from(config)
        .interceptor(SqsRequests)
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}
