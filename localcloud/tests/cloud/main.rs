//! localcloud driven end to end: the fixture template, the echo_function example as every
//! function, the shared moto, and the real project template.

mod http;
mod records;
mod sources;
mod support;
mod template;
