//! `mien serve`: a local web page and JSON API for editing expressions.
//!
//! The server owns no library logic: it checks requests, hands the decoded
//! photo to the same face pipeline as `mien edit` on a blocking worker, and
//! turns every failure into a JSON error with a status code. Everything it
//! serves (page, script, samples, models) is compiled in or loaded at start-up;
//! nothing a request says is ever used as a file path.
//!
//! Layout: `api` (the handlers and the JSON error), `params` (the query),
//! `error` (the JSON error), `state` (what handlers share), `pipeline` (one edit, on a worker), `limits` (body, pixel and concurrency
//! bounds), `cache` (recent photos' faces), `catalog` (the models on offer,
//! loaded once), `static/` (the page).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use mien::FaceFinder;

mod api;
mod cache;
mod catalog;
mod error;
mod limits;
mod params;
mod pipeline;
mod state;

use cache::PhotoCache;
use catalog::Catalog;
use limits::{Limits, WorkQueue};
use state::AppState;

/// Photos whose faces are kept for repeat edits, and their total pixel budget
/// (48 megapixels: about 150 MB of decoded RGB).
const CACHED_PHOTOS: usize = 8;
const CACHED_PIXELS: usize = 48_000_000;

/// Upper bounds of the start-up flags: beyond them a value is a typo, and
/// sums such as workers + queue must not overflow the semaphore.
const MAX_QUEUE: usize = 10_000;
const MAX_BODY_MB: u64 = 1024;
const MAX_TIMEOUT_S: u64 = 3600;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port. The bound address is printed on stdout.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Folder of extra model files (*.safetensors) to offer besides the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Allow listening on a non-loopback address: anyone who can reach it can use the server.
    #[arg(long)]
    pub allow_remote: bool,
    /// Largest request body, in megabytes.
    #[arg(long, value_name = "MB", default_value_t = 20)]
    pub max_body_mb: u64,
    /// Largest image (width × height), checked from the header before decoding.
    #[arg(long, value_name = "PIXELS", default_value_t = 16_000_000)]
    pub max_pixels: u64,
    /// Edits computed at once, at most 4 per core (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Edits that may wait for a free worker (at most 10000); more get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub queue: usize,
    /// Seconds a request may wait and compute before it gets 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout_s: u64,
    /// Seconds a connection may take to send a request's headers, and may stay idle between requests.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub header_timeout_s: u64,
    /// Smallest face searched for, in pixels (default 40, as `mien edit`); 64 halves detection time.
    #[arg(long, value_name = "PX")]
    pub min_face: Option<usize>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let addr: SocketAddr =
        a.addr.parse().with_context(|| format!("--addr {}: expected IP:PORT, such as 127.0.0.1:8080", a.addr))?;
    if !addr.ip().is_loopback() {
        anyhow::ensure!(
            a.allow_remote,
            "--addr {addr}: not a loopback address; pass --allow-remote to let other machines use this server"
        );
        eprintln!(
            "mien: warning: listening on {addr}: anyone who can reach this address can upload photos and use this machine's CPU"
        );
    }
    anyhow::ensure!(
        (1..=MAX_BODY_MB).contains(&a.max_body_mb),
        "--max-body-mb {}: must be between 1 and {MAX_BODY_MB}",
        a.max_body_mb
    );
    anyhow::ensure!(a.max_pixels >= 64 * 64, "--max-pixels {}: must be at least 4096", a.max_pixels);
    anyhow::ensure!(
        (1..=MAX_TIMEOUT_S).contains(&a.timeout_s),
        "--timeout-s {}: must be between 1 and {MAX_TIMEOUT_S}",
        a.timeout_s
    );
    anyhow::ensure!(
        (1..=MAX_TIMEOUT_S).contains(&a.header_timeout_s),
        "--header-timeout-s {}: must be between 1 and {MAX_TIMEOUT_S}",
        a.header_timeout_s
    );
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let concurrency = a.concurrency.unwrap_or(cores);
    // Each worker holds a decoded photo and a blocking thread: more workers
    // than a few per core only add memory and contention.
    let max_concurrency = 4 * cores;
    anyhow::ensure!(
        (1..=max_concurrency).contains(&concurrency),
        "--concurrency {concurrency}: must be between 1 and {max_concurrency} (4 per core)"
    );
    anyhow::ensure!(a.queue <= MAX_QUEUE, "--queue {}: must be at most {MAX_QUEUE}", a.queue);
    if let Some(m) = a.min_face {
        anyhow::ensure!(m >= 8, "--min-face {m}: must be at least 8 pixels");
    }

    // Requests run side by side on `concurrency` workers, so each computes on
    // one thread: nested data parallelism only adds spinning and contention
    // (about 40% more CPU per edit on 2 cores). `mien --threads N serve` overrides.
    if rayon::ThreadPoolBuilder::new().num_threads(1).build_global().is_ok() {
        eprintln!("mien serve: one thread per edit (--threads to change)");
    }
    let catalog = Catalog::load(a.models.as_deref())?;
    let limits = Limits {
        max_body: usize::try_from(a.max_body_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
        max_pixels: a.max_pixels,
        timeout: Duration::from_secs(a.timeout_s),
        min_face: a.min_face,
    };
    let state = Arc::new(AppState {
        catalog,
        finder: FaceFinder::new()?,
        limits,
        queue: WorkQueue::new(concurrency, a.queue),
        cache: PhotoCache::new(CACHED_PHOTOS, CACHED_PIXELS),
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Blocking workers beyond `concurrency` only ever wait on the semaphore.
        .max_blocking_threads(concurrency + 4)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("--addr {addr}: cannot listen"))?;
        let bound = listener.local_addr().context("the bound address")?;
        // Tests and scripts read this line to find an ephemeral port.
        crate::common::outln!("listening on http://{bound}/")?;
        eprintln!(
            "mien serve: {} model(s), {concurrency} worker(s), queue {}, body ≤ {} MB, images ≤ {} pixels; Ctrl-C stops",
            state.catalog.models.len(),
            a.queue,
            a.max_body_mb,
            a.max_pixels
        );
        accept_loop(listener, router(state), Duration::from_secs(a.header_timeout_s)).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Serves HTTP/1.1 connections until the listener fails. axum's `serve`
/// gives hyper no timer, so a client trickling its headers (or holding an idle
/// keep-alive connection) would keep a socket and a task forever; here hyper
/// closes a connection whose request headers do not arrive within
/// `header_timeout`, counted from when the connection starts waiting for them.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router, header_timeout: Duration) -> Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait rather than spin.
            Err(e) => {
                eprintln!("mien serve: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            // A failed connection (timeout, reset, malformed request) concerns that client only.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// The routes: the page and its assets, the bundled samples, the API.
fn router(state: Arc<AppState>) -> Router {
    // The edit handlers read bodies themselves against `limits.max_body`;
    // this only lifts axum's 2 MB default so their own check is the one that answers.
    let body_limit = state.limits.max_body;
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", include_str!("static/index.html")) }))
        .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", include_str!("static/app.js")) }))
        .route("/style.css", get(|| async { asset("text/css; charset=utf-8", include_str!("static/style.css")) }))
        .route("/samples/{name}", get(api::sample))
        .route("/api/health", get(api::health))
        .route("/api/models", get(api::models))
        .route("/api/edit", post(api::edit))
        .route("/api/crops", post(api::crops))
        .fallback(|| async { error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such page or endpoint") })
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "wrong method: the pages and /api/models, /api/health take GET; /api/edit and /api/crops take POST",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
