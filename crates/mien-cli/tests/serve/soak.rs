//! A bounded soak run on loopback, ignored by default because it takes ten
//! minutes (`MIEN_SOAK_S` seconds; it stops by itself):
//!
//! ```sh
//! MIEN_SOAK_S=600 cargo test --release -p mien-cli --test tests serve::soak -- --ignored --nocapture
//! ```
//!
//! Sixteen clients send a mix of valid edits (distinct photos, so the face
//! cache never helps), malformed uploads, trickled headers, declared and real
//! oversized bodies and bad parameters, while a seventeenth asks
//! `/api/health` every 100 ms. Asserted: every answer is the documented
//! status (no 5xx but deliberate 503s), the server's resident memory after
//! the first minute does not drift (the median of the last third of the
//! samples within ±10% of the first third's), and `/api/health`
//! answers within 50 ms at the 99th percentile. The figures are printed for
//! `BENCHMARKS.md`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client::{sample, Server};

/// Resident memory of a process in kB (Linux; 0 elsewhere).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// The PNG with a numbered `tEXt` chunk: a distinct upload, the same pixels.
fn distinct(png: &[u8], n: usize) -> Vec<u8> {
    let iend = png.len() - 12;
    let data = format!("Comment\0mien soak {n}");
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(data.as_bytes());
    chunk.extend_from_slice(&crate::crc32(&chunk[4..]).to_be_bytes());
    [&png[..iend], &chunk, &png[iend..]].concat()
}

/// Sends trickled headers until the server closes the connection; true when it did within 30 s.
fn trickle_until_closed(server: &Server) -> bool {
    let Ok(mut s) = TcpStream::connect(server.addr) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = s.write_all(b"POST /api/edit HTTP/1.1\r\nHost: x\r\n");
    let start = Instant::now();
    let mut buf = [0u8; 64];
    while start.elapsed() < Duration::from_secs(30) {
        if s.write_all(b"X-Slow: 1\r\n").is_err() {
            return true;
        }
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
#[ignore = "soak run; see the module docs"]
fn soak() {
    let seconds: u64 = std::env::var("MIEN_SOAK_S").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let duration = Duration::from_secs(seconds);
    let png = std::fs::read(sample("astronaut.png")).unwrap();
    let server = Server::start(&["--max-body-mb", "1", "--header-timeout-s", "1"]);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "machine: {cores} core(s), load average {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let stop = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let statuses = Mutex::new(std::collections::BTreeMap::<(&str, u16), usize>::new());
    let unexpected = Mutex::new(Vec::<String>::new());
    let health = Mutex::new(Vec::<f64>::new());
    let rss = Mutex::new(Vec::<(f64, u64)>::new());
    let slow_closed = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..16 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (kind, r) = match i % 8 {
                        0..=2 => ("valid", server.post("/api/edit?intensity=0.7", "image/png", &distinct(&png, i))),
                        3 => ("garbage", server.post("/api/edit", "image/png", &png[..png.len() / 3])),
                        4 => ("bad parameter", server.post("/api/edit?intensity=7", "image/png", &png)),
                        5 => ("oversized", server.post("/api/edit", "image/png", &vec![0u8; 1_200_000])),
                        6 => {
                            if trickle_until_closed(&server) {
                                slow_closed.fetch_add(1, Ordering::Relaxed);
                            } else {
                                unexpected.lock().unwrap().push("a trickling client was not cut off".into());
                            }
                            continue;
                        }
                        _ => ("text", server.post("/api/crops", "text/plain", b"not a photo")),
                    };
                    let expected: &[u16] = match kind {
                        "valid" => &[200, 503],
                        "garbage" | "text" => &[415, 503],
                        "bad parameter" => &[400],
                        _ => &[413, 503],
                    };
                    if !expected.contains(&r.status) {
                        unexpected.lock().unwrap().push(format!(
                            "{kind}: {} {}",
                            r.status,
                            String::from_utf8_lossy(&r.body)
                        ));
                    }
                    *statuses.lock().unwrap().entry((kind, r.status)).or_default() += 1;
                }
            });
        }
        s.spawn(|| {
            let mut last_rss = Instant::now() - Duration::from_secs(10);
            while start.elapsed() < duration {
                let t = Instant::now();
                let r = server.get("/api/health");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if r.status == 200 {
                    health.lock().unwrap().push(ms);
                } else {
                    unexpected.lock().unwrap().push(format!("health: {}", r.status));
                }
                if last_rss.elapsed() >= Duration::from_secs(5) {
                    rss.lock().unwrap().push((start.elapsed().as_secs_f64(), rss_kb(server.pid())));
                    last_rss = Instant::now();
                }
                std::thread::sleep(Duration::from_millis(100).saturating_sub(t.elapsed()));
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    let mut h = health.into_inner().unwrap();
    h.sort_by(f64::total_cmp);
    let rss = rss.into_inner().unwrap();
    // The first minute (or fifth of a shorter run) warms the allocator and caches.
    let warm = (seconds as f64 / 5.0).min(60.0);
    // Flat means no drift: the median of the steady period's last third
    // against its first third (single samples swing with the edits in flight).
    let steady: Vec<u64> = rss.iter().filter(|(t, _)| *t >= warm).map(|&(_, kb)| kb).collect();
    let median = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0) as f64
    };
    let third = steady.len() / 3;
    let (early, late) = (median(&steady[..third]), median(&steady[steady.len() - third..]));
    let (lo, hi) = (steady.iter().min().copied().unwrap_or(0) as f64, steady.iter().max().copied().unwrap_or(0) as f64);
    println!(
        "soak: {seconds} s, {} requests, {} trickling clients cut off",
        next.load(Ordering::Relaxed),
        slow_closed.load(Ordering::Relaxed)
    );
    for ((kind, status), n) in statuses.into_inner().unwrap() {
        println!("  {kind}: {status} × {n}");
    }
    println!(
        "  /api/health: {} probes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        h.len(),
        percentile(&h, 50.0),
        percentile(&h, 99.0),
        percentile(&h, 100.0)
    );
    println!(
        "  RSS after {warm:.0} s: median {:.0} MB in the first third, {:.0} MB in the last; min {:.0} MB, max {:.0} MB ({} samples)",
        early / 1024.0,
        late / 1024.0,
        lo / 1024.0,
        hi / 1024.0,
        steady.len()
    );
    let unexpected = unexpected.into_inner().unwrap();
    assert!(unexpected.is_empty(), "unexpected answers: {:?}", &unexpected[..unexpected.len().min(10)]);
    assert!(server.healthy());
    if early > 0.0 {
        assert!((late - early).abs() <= 0.1 * early, "RSS drifted from {early} kB to {late} kB");
    }
    assert!(percentile(&h, 99.0) <= 50.0, "health p99 {:.1} ms", percentile(&h, 99.0));
}
