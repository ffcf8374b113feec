//! Background work, inside `serve` or alone as `madoguchi worker`: the
//! outbox delivery loop and the deadline schedule. Transports, templates
//! and webhook signing stay in `notify`; the use cases stay in `service`.

mod outbox;
mod schedule;

pub use outbox::{BatchReport, OutboxWorker};
