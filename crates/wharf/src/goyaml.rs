//! YAML as kubectl and oc print it (being written).
