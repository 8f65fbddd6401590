//! Templates (template.openshift.io/v1): parameters, substitution and processing (spec templates.md Part A).
