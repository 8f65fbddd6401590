//! Registry credentials from dockercfg / dockerconfigjson Secrets (spec §3.2 step 3).
