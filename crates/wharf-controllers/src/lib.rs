//! Background loops over Wharf's API objects, started by `wharf serve`:
//!
//! - [`image_import::run_image_stream_controller`]: imports what a stream asks for as soon as
//!   it asks (a new `spec.dockerImageRepository`, a new or changed tag from a container image —
//!   spec §3.1), following the MetaStore's change log;
//! - [`image_import::run_scheduled_imports`]: re-imports `scheduled` tags about once per
//!   interval, spread over buckets, under a global rate limit with jitter (spec §3.7);
//! - [`notifications`]: an endpoint for CNCF Distribution's push notifications that
//!   re-imports the tags tracking the pushed image at once.
//!
//! Every import goes through the same `wharf_apiserver::import::create_import` a client's
//! ImageStreamImport does, so the rules live in one place.

pub mod image_import;
pub mod notifications;
