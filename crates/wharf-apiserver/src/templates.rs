//! `processedtemplates`: the server processes a Template it is sent (spec templates.md A.1,
//! openshift-apiserver `template/apiserver/registry/template/rest.go`). The server's checks come
//! first (parameter names, labels), then the same engine `wharf process --local` runs, with a
//! generator seeded from the OS. Nothing is stored: the answer is the processed Template.

use serde_json::Value;

use crate::meta::{self, check_template};
use crate::resources::ResourceType;
use crate::status::ApiError;

/// Processes `template`, posted to `rt` (processedtemplates) in a namespace that exists.
pub fn process(rt: &ResourceType, mut template: Value) -> Result<Value, ApiError> {
    meta::check_type(rt, &mut template)?;
    check_template(rt, &template)?;
    let name = meta::name_of(&template).unwrap_or_default().to_string();
    // ThreadRng: ChaCha seeded from the OS, a CSPRNG (generated values are often passwords).
    wharf_domain::template::process(&mut template, &mut rand::rng())
        .map_err(|errors| ApiError::invalid_fields(rt, &name, &errors))?;
    Ok(template)
}
