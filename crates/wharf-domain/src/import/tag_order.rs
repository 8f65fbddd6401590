//! The order of a repository import's tags (spec §3.6, library-go PrioritizeTags).
