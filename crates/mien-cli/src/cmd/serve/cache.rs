//! Recently edited photos, decoded, with their faces and landmarks. Moving
//! the intensity slider or changing the expression re-sends the same bytes;
//! finding the faces again is most of an edit's time (about 100 ms of 120 on
//! a 512×512 portrait), so a repeat skips straight to the model.
//!
//! Keys are a keyed hash (a per-process random SipHash key) of the upload's
//! bytes, so one client cannot craft a collision with another's photo. The
//! cache is bounded by entries and by total pixels.

use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use mien::core::image::Image;
use mien::face::FaceBox;
use mien::Found;

/// A decoded photo and every face found in it, largest first.
pub struct Prepared {
    pub image: Image<u8>,
    pub boxes: Vec<FaceBox>,
    pub faces: Vec<Found>,
}

/// Least recently used first out.
pub struct PhotoCache {
    hasher: RandomState,
    entries: Mutex<VecDeque<(u64, usize, Arc<Prepared>)>>,
    max_entries: usize,
    max_pixels: usize,
}

impl PhotoCache {
    pub fn new(max_entries: usize, max_pixels: usize) -> Self {
        Self { hasher: RandomState::new(), entries: Mutex::new(VecDeque::new()), max_entries, max_pixels }
    }

    /// The key for an upload: its keyed hash.
    pub fn key(&self, bytes: &[u8]) -> (u64, usize) {
        (self.hasher.hash_one(bytes), bytes.len())
    }

    pub fn get(&self, key: (u64, usize)) -> Option<Arc<Prepared>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let i = entries.iter().position(|(h, n, _)| (*h, *n) == key)?;
        let entry = entries.remove(i)?;
        let found = Arc::clone(&entry.2);
        entries.push_back(entry);
        Some(found)
    }

    pub fn insert(&self, key: (u64, usize), prepared: Arc<Prepared>) {
        let pixels = |p: &Prepared| p.image.width() * p.image.height();
        if pixels(&prepared) > self.max_pixels || self.max_entries == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(h, n, _)| (*h, *n) != key);
        entries.push_back((key.0, key.1, prepared));
        while entries.len() > self.max_entries
            || entries.iter().map(|(_, _, p)| pixels(p)).sum::<usize>() > self.max_pixels
        {
            entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(side: usize) -> Arc<Prepared> {
        Arc::new(Prepared { image: Image::new(side, side, 1), boxes: Vec::new(), faces: Vec::new() })
    }

    #[test]
    fn evicts_least_recently_used_within_both_bounds() {
        let cache = PhotoCache::new(2, 300);
        let (a, b, c) = (cache.key(b"a"), cache.key(b"b"), cache.key(b"c"));
        cache.insert(a, prepared(10));
        cache.insert(b, prepared(10));
        assert!(cache.get(a).is_some());
        cache.insert(c, prepared(10));
        assert!(cache.get(b).is_none() && cache.get(a).is_some() && cache.get(c).is_some());
        // 10×10 + 16×16 > 300 pixels: the older entry goes.
        cache.insert(b, prepared(16));
        assert!(cache.get(a).is_none() && cache.get(c).is_none() && cache.get(b).is_some());
        // Larger than the whole budget: not cached at all.
        cache.insert(a, prepared(20));
        assert!(cache.get(a).is_none());
    }
}
