//! `wharf describe`: oc's describe layouts (spec §6.3), as pure functions of API objects.
