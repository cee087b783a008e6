//! What every handler shares: the models, the face finder, the limits, the
//! work queue and the photo cache, built once at start-up.

use mien::FaceFinder;

use super::cache::PhotoCache;
use super::catalog::Catalog;
use super::limits::{Limits, WorkQueue};

/// Everything a handler needs, shared by all requests.
pub struct AppState {
    pub catalog: Catalog,
    pub finder: FaceFinder,
    pub limits: Limits,
    pub queue: WorkQueue,
    pub cache: PhotoCache,
}
