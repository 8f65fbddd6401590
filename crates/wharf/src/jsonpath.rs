//! `-o jsonpath=…`: kubectl's JSONPath templates, evaluated over JSON values.
