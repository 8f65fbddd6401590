//! Importing images from external registries (spec §3): which credentials apply, which tags a
//! repository import takes, which manifest of a list Legacy mode keeps, and how a result
//! changes an ImageStream. No I/O: the fetching is `wharf-import`'s.

pub mod credentials;
pub mod tag_order;
