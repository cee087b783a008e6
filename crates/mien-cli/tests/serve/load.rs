//! A bounded load run on loopback, ignored by default because its figures
//! depend on the machine:
//!
//! ```sh
//! cargo test --release -p mien-cli --test tests serve::load -- --ignored --nocapture
//! ```
//!
//! Every request carries a distinct photo (the astronaut with a numbered
//! `tEXt` chunk), so detection runs each time and the face cache never helps,
//! except in the last phase, which measures exactly that (a slider being moved).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client::{sample, Server};

/// The PNG with a `tEXt` chunk saying `n` before `IEND`: a distinct upload, the same pixels.
fn distinct(png: &[u8], n: usize) -> Vec<u8> {
    let iend = png.len() - 12;
    let data = format!("Comment\0mien load {n}");
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data.as_bytes());
    chunk.extend_from_slice(&crate::crc32(&chunk[4..]).to_be_bytes());
    [&png[..iend], &chunk, &png[iend..]].concat()
}

struct Report {
    latencies: Vec<Duration>,
    statuses: Vec<u16>,
    wall: Duration,
}

impl Report {
    fn percentile(&self, p: f64) -> f64 {
        let mut ok: Vec<f64> = self
            .latencies
            .iter()
            .zip(&self.statuses)
            .filter(|(_, &s)| s == 200)
            .map(|(d, _)| d.as_secs_f64() * 1000.0)
            .collect();
        ok.sort_by(f64::total_cmp);
        if ok.is_empty() {
            return f64::NAN;
        }
        ok[((p / 100.0 * ok.len() as f64).ceil() as usize).clamp(1, ok.len()) - 1]
    }

    fn print(&self, name: &str) {
        let count = |f: &dyn Fn(u16) -> bool| self.statuses.iter().filter(|&&s| f(s)).count();
        let ok = count(&|s| s == 200);
        println!(
            "{name}: {} requests, {ok} ok, {} busy (503), {} other; p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms; {:.1} edits/s",
            self.statuses.len(),
            count(&|s| s == 503),
            count(&|s| s != 200 && s != 503),
            self.percentile(50.0),
            self.percentile(95.0),
            self.percentile(100.0),
            ok as f64 / self.wall.as_secs_f64()
        );
    }
}

/// `total` requests from `clients` threads; `body(i)` is request `i`'s upload.
fn run(server: &Server, total: usize, clients: usize, body: &(dyn Fn(usize) -> Vec<u8> + Sync)) -> Report {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(total));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let bytes = body(i);
                let t = Instant::now();
                let intensity = (i % 11) as f32 / 10.0;
                let r = server.post(&format!("/api/edit?intensity={intensity}"), "image/png", &bytes);
                results.lock().unwrap().push((t.elapsed(), r.status));
            });
        }
    });
    let wall = start.elapsed();
    let (latencies, statuses) = results.into_inner().unwrap().into_iter().unzip();
    Report { latencies, statuses, wall }
}

#[test]
#[ignore = "load run; see the module docs"]
fn load() {
    let png = std::fs::read(sample("astronaut.png")).unwrap();
    let server = Server::start(&[]);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("machine: {cores} core(s), load average {}; server: defaults (workers = cores, queue 32)", load.trim());
    // Warm up (page faults, allocator) outside the figures.
    run(&server, 4, 2, &|i| distinct(&png, 1_000_000 + i));

    let bounded = run(&server, 300, 16, &|i| distinct(&png, i));
    bounded.print("bounded: 300 requests, 16 concurrent, distinct 512×512 photos");
    let bad: Vec<u16> = bounded.statuses.iter().copied().filter(|&s| s != 200 && s != 503).collect();
    assert!(bad.is_empty(), "statuses other than 200 and 503: {bad:?}");

    let cpu = server.cpu_seconds();
    let target = run(&server, 120, 4, &|i| distinct(&png, 10_000 + i));
    target.print("target: 120 requests, 4 concurrent, distinct 512×512 single-face photos");
    let per_edit = (server.cpu_seconds() - cpu) / 120.0 * 1000.0;
    println!(
        "server CPU per edit {per_edit:.0} ms; the server got {:.2} of {cores} cores during this phase",
        per_edit * 120.0 / 1000.0 / target.wall.as_secs_f64()
    );
    let p95 = target.percentile(95.0);
    println!("performance target p95 ≤ 300 ms: {} (p95 {p95:.0} ms)", if p95 <= 300.0 { "met" } else { "NOT met" });

    let fast = Server::start(&["--min-face", "64"]);
    run(&fast, 4, 2, &|i| distinct(&png, 2_000_000 + i));
    let cpu = fast.cpu_seconds();
    let quick = run(&fast, 120, 4, &|i| distinct(&png, 20_000 + i));
    quick.print("target with --min-face 64: 120 requests, 4 concurrent, distinct photos");
    println!("server CPU per edit {:.0} ms", (fast.cpu_seconds() - cpu) / 120.0 * 1000.0);
    drop(fast);

    let slider = run(&server, 120, 4, &|_| png.clone());
    slider.print("slider: 120 requests, 4 concurrent, the same photo (faces cached)");
    assert!(server.healthy());
}
