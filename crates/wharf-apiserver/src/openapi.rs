//! OpenAPI schemas of the served kinds, for `kubectl explain` and typed clients.
