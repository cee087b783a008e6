//! Bounds that keep one client from exhausting the machine: body size (read
//! no further than the limit), pixel count (checked from the image header by
//! `mien::core::image::decode`), a deadline per request, and a bounded queue in
//! front of a fixed number of CPU workers. A request that finds the queue full
//! is refused at once with 503 and `Retry-After` rather than piling up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// Request bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_body: usize,
    /// Largest image in pixels, checked before decoding.
    pub max_pixels: u64,
    /// Deadline for a request, queueing included.
    pub timeout: Duration,
    /// Smallest face searched for (`--min-face`); smaller means slower detection.
    pub min_face: Option<usize>,
}

/// Seconds a client is asked to wait after a 503.
const RETRY_AFTER_S: u64 = 1;

impl Limits {
    /// Reads the whole body, refusing it (413) as soon as it is known to be too
    /// large: from `Content-Length` before reading anything, else while reading.
    pub async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the upload is larger than the limit of {} MB", self.max_body >> 20),
            )
        };
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return Err(too_large());
        }
        match axum::body::to_bytes(body, self.max_body).await {
            Ok(b) => Ok(b),
            Err(e) if is_length_limit(&e) => Err(too_large()),
            Err(e) => Err(ApiError::bad_request("bad_body", format!("cannot read the request body: {e}"))),
        }
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("length limit exceeded") {
            return true;
        }
        source = s.source();
    }
    false
}

/// A fixed number of CPU workers and a bounded number of waiting requests.
pub struct WorkQueue {
    /// Permits for requests admitted (computing or waiting).
    admitted: Arc<Semaphore>,
    /// Permits for requests computing.
    workers: Arc<Semaphore>,
    capacity: usize,
}

/// Proof of admission; held until the response is ready.
pub struct Ticket {
    _admitted: OwnedSemaphorePermit,
}

impl WorkQueue {
    pub fn new(concurrency: usize, queue: usize) -> Self {
        Self {
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
            workers: Arc::new(Semaphore::new(concurrency)),
            capacity: concurrency + queue,
        }
    }

    /// Requests now computing or waiting.
    pub fn in_flight(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    /// Admits a request or refuses it at once when the queue is full.
    pub fn admit(&self) -> Result<Ticket, ApiError> {
        match Arc::clone(&self.admitted).try_acquire_owned() {
            Ok(p) => Ok(Ticket { _admitted: p }),
            Err(_) => Err(busy("busy", "the server is busy (queue full); retry in a moment".into())),
        }
    }

    /// Runs `work` on a blocking thread once a worker is free, within `deadline`.
    /// The worker permit travels with the work, so a request that times out
    /// still counts against the bound until its computation really ends.
    pub async fn run<T, F>(&self, _ticket: &Ticket, deadline: Instant, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let timed_out =
            || busy("timeout", "the edit took too long (server busy or image too large); retry later".into());
        let deadline = tokio::time::Instant::from_std(deadline);
        let permit = match tokio::time::timeout_at(deadline, Arc::clone(&self.workers).acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(ApiError::internal("the worker pool is closed")),
            Err(_) => return Err(timed_out()),
        };
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => {
                // A panic in the pipeline is a bug; the client still gets JSON.
                eprintln!("mien serve: worker failed: {join}");
                Err(ApiError::internal("the edit failed unexpectedly; please report this photo"))
            }
            Err(_) => Err(timed_out()),
        }
    }
}

fn busy(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).retry_after(RETRY_AFTER_S)
}
