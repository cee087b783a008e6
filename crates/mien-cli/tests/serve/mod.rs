//! `mien serve` over real HTTP on an ephemeral loopback port: the API on the
//! bundled samples, every bad request answered with 4xx and a JSON error
//! while the server keeps serving, the queue's 503, the browser page
//! (`browser.rs`, skipped without chromium) and a bounded load run (`load.rs`,
//! ignored: run it with `--ignored --nocapture`).

mod browser;
mod client;
mod load;
mod soak;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use client::{read_response, sample, Server};
use mien::core::image::{self, DecodeLimits};

fn decode(bytes: &[u8]) -> mien::core::image::Image<u8> {
    image::decode(bytes, std::path::Path::new("response"), DecodeLimits::default()).unwrap()
}

/// A valid PNG signature and IHDR announcing `side`×`side`, and no pixels.
fn png_header_only(side: u32) -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = super::crc32(&png[12..]);
    png.extend_from_slice(&crc.to_be_bytes());
    for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
        png.extend_from_slice(&[0, 0, 0, 0]);
        png.extend_from_slice(chunk);
        png.extend_from_slice(&super::crc32(chunk).to_be_bytes());
    }
    png
}

#[test]
fn sliders_and_source_in_the_api() {
    let server = Server::start(&[]);
    let models = server.get("/api/models").json();
    assert_eq!(models["features"].as_array().unwrap().len(), 8, "{models}");
    assert_eq!(models["presets"].as_array().unwrap().len(), 6, "{models}");
    let photo = std::fs::read(sample("astronaut.png")).unwrap();
    let input = decode(&photo);
    let r = server.post("/api/edit?features=smile%3D0.8%2Cbrows-up%3D0.3", "image/png", &photo);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let region: Vec<usize> = r.header("x-mien-region").unwrap().split(',').map(|v| v.parse().unwrap()).collect();
    let out = decode(&r.body);
    let w = input.width();
    // Nothing changes outside the reported region (one pixel of bilinear reach).
    for (i, (a, b)) in input.data().iter().zip(out.data()).enumerate() {
        let (x, y) = ((i % (w * input.height())) % w, (i % (w * input.height())) / w);
        let inside = x + 1 >= region[0] && x <= region[2] + 1 && y + 1 >= region[1] && y <= region[3] + 1;
        assert!(inside || a.abs_diff(*b) <= 1, "({x}, {y}) changed outside {region:?}");
    }
    assert!(input.data() != out.data());
    // The source: from neutral the sad edit keeps more of her smile than from the classifier's guess.
    let auto = server.post("/api/edit?expression=sad", "image/png", &photo);
    let neutral = server.post("/api/edit?expression=sad&from=neutral", "image/png", &photo);
    assert_eq!((auto.status, neutral.status), (200, 200));
    assert!(auto.body != neutral.body);
    for q in ["features=grin%3D1", "features=smile%3D1&model=masked", "from=smug"] {
        let r = server.post(&format!("/api/edit?{q}"), "image/png", &photo);
        assert_eq!(r.status, 400, "{q}: {}", String::from_utf8_lossy(&r.body));
    }
    assert!(server.healthy());
}

#[test]
fn edits_the_astronaut_and_reports_faces() {
    let server = Server::start(&[]);
    let health = server.get("/api/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let models = server.get("/api/models").json();
    let masked = models["models"].as_array().unwrap().iter().find(|m| m["name"] == "masked").unwrap();
    assert_eq!(masked["expressions"].as_array().unwrap().len(), 6, "{models}");

    let photo = std::fs::read(sample("astronaut.png")).unwrap();
    let input = decode(&photo);
    let r = server.post("/api/edit?expression=surprise&intensity=1", "image/png", &photo);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.header("x-mien-faces"), Some("1"));
    assert!(r.header("server-timing").is_some_and(|t| t.contains("detect;dur=")));
    let out = decode(&r.body);
    assert_eq!((out.width(), out.height()), (input.width(), input.height()));
    let changed = input.data().iter().zip(out.data()).filter(|(a, b)| a != b).count();
    assert!(changed > 1000, "only {changed} values changed");

    // Multipart upload, a repeat (cached faces), intensity 0 and JPEG output.
    let r = server.post_multipart("/api/edit?intensity=0&model=pixel", "image", &photo);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-mien-cache"), Some("hit"));
    let zero = decode(&r.body);
    let worst = input.data().iter().zip(zero.data()).map(|(&a, &b)| a.abs_diff(b)).max().unwrap();
    assert!(worst <= 1, "intensity 0 changed a value by {worst}");
    let r = server.post("/api/edit?format=jpeg&face=1", "application/octet-stream", &photo);
    assert_eq!((r.status, r.header("content-type")), (200, Some("image/jpeg")));
    assert_eq!(&r.body[..2], &[0xff, 0xd8]);

    let r = server.post("/api/crops?expression=happy", "image/png", &photo);
    assert_eq!(r.status, 200);
    let strip = decode(&r.body);
    assert_eq!(strip.width(), 3 * strip.height(), "one face, default deform model: before, motion only, after");
    let r = server.post("/api/crops?expression=happy&model=masked", "image/png", &photo);
    assert_eq!(r.status, 200);
    let strip = decode(&r.body);
    assert_eq!(strip.width(), 2 * strip.height(), "one face, masked: before and after side by side");

    for (path, needle) in [("/", "<title>mien"), ("/app.js", "api/edit"), ("/style.css", "#views")] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(String::from_utf8_lossy(&r.body).contains(needle), "{path}");
    }
    let r = server.get("/samples/astronaut.png");
    assert_eq!((r.status, r.body.len()), (200, photo.len()));
}

#[test]
fn bad_requests_get_4xx_json_and_the_server_keeps_serving() {
    let server = Server::start(&["--max-body-mb", "1"]);
    let photo = std::fs::read(sample("astronaut.png")).unwrap();
    let cat = std::fs::read(sample("chelsea.png")).unwrap();
    let truncated = &photo[..photo.len() / 3];
    let huge = png_header_only(20000);
    let big = vec![0u8; 1_200_000];
    let tiny = image::encode_png(&mien::core::image::Image::from_planar(1, 1, 3, vec![7, 8, 9]).unwrap()).unwrap();
    let grey = image::encode_png(&decode(&photo).to_grey()).unwrap();
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let cases: Vec<(&str, &str, &[u8], u16, &str)> = vec![
        ("empty body", "/api/edit", b"", 400, "empty"),
        ("text file", "/api/edit", b"just some text, not a photo\n", 415, "unsupported_image"),
        ("truncated PNG", "/api/edit", truncated, 415, "unsupported_image"),
        ("20000x20000 header", "/api/edit", &huge, 413, "too_large"),
        ("body over --max-body-mb", "/api/edit", &big, 413, "too_large"),
        ("unknown expression", "/api/edit?expression=smug", &photo, 400, "unknown_expression"),
        ("intensity 3", "/api/edit?intensity=3", &photo, 400, "bad_parameter"),
        ("intensity NaN", "/api/edit?intensity=NaN", &photo, 400, "bad_parameter"),
        ("unknown parameter", "/api/edit?exprssion=happy", &photo, 400, "unknown_parameter"),
        ("repeated parameter", "/api/edit?model=masked&model=pixel", &photo, 400, "bad_parameter"),
        ("unknown model", "/api/edit?model=..%2F..%2Fetc%2Fpasswd", &photo, 400, "unknown_model"),
        ("face 0", "/api/edit?face=0", &photo, 400, "bad_parameter"),
        ("face 5 of 1", "/api/edit?face=5", &photo, 422, "no_such_face"),
        ("no face", "/api/edit", &cat, 422, "no_face"),
        ("1×1 image", "/api/edit", &tiny, 422, "no_face"),
        ("random bytes", "/api/edit", &garbage, 415, "unsupported_image"),
        ("truncated GIF", "/api/edit", b"GIF89a\x10\x00", 415, "unsupported_image"),
        ("unknown format", "/api/edit?format=webp", &photo, 400, "bad_parameter"),
        ("crops, text file", "/api/crops", b"hello", 415, "unsupported_image"),
    ];
    for (name, path, body, status, code) in cases {
        let r = server.post(path, "application/octet-stream", body);
        assert_eq!(r.status, status, "{name}: {}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        assert_eq!(j["code"], code, "{name}: {j}");
        assert!(j["error"].as_str().is_some_and(|e| e.len() > 10), "{name}: {j}");
        assert!(server.healthy(), "{name}: server stopped answering");
    }
    assert!(server.get("/api/models").json()["limits"]["max_body_bytes"] == 1 << 20);

    // Multipart mistakes.
    let r = server.post_multipart("/api/edit", "photo", &photo[..1000]);
    assert_eq!((r.status, r.json()["code"].as_str()), (400, Some("unknown_field")));
    let r = server.post("/api/edit", "multipart/form-data; boundary=x", b"garbage");
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    // A declared length over the limit is refused before the body is sent.
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(s, "POST /api/edit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 900000000\r\n\r\n").unwrap();
    let r = read_response(&mut s);
    assert_eq!((r.status, r.json()["code"].as_str()), (413, Some("too_large")));
    // Unknown paths and a sample name that looks like a path.
    assert_eq!(server.get("/etc/passwd").status, 404);
    assert_eq!(server.get("/samples/..%2F..%2FCargo.toml").status, 404);
    let r = server.get("/api/edit");
    assert_eq!((r.status, r.json()["code"].as_str()), (405, Some("method_not_allowed")));
    // A grey photo is edited like a colour one.
    let r = server.post("/api/edit?expression=sad", "image/png", &grey);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(server.healthy());
}

#[test]
fn models_from_a_folder_are_listed_and_selectable() {
    let fx = crate::util::Fixture::with_dataset(16, 6);
    std::fs::create_dir(fx.path("models")).unwrap();
    crate::util::run_expect(&["train", "--data", "data", "-o", "models/tiny.safetensors"], fx.dir.path(), 0);
    let dir = fx.path("models");
    let server = Server::start(&["--models", dir.to_str().unwrap()]);
    let models = server.get("/api/models").json();
    let tiny = models["models"].as_array().unwrap().iter().find(|m| m["name"] == "tiny").cloned();
    let tiny = tiny.unwrap_or_else(|| panic!("{models}"));
    assert_eq!((tiny["builtin"].as_bool(), tiny["kind"].as_str()), (Some(false), Some("masked")), "{tiny}");
    let expression = tiny["default_expression"].as_str().unwrap().to_string();
    let photo = std::fs::read(sample("astronaut.png")).unwrap();
    let r = server.post(&format!("/api/edit?model=tiny&expression={expression}"), "image/png", &photo);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = server.post("/api/edit?model=tiny&expression=happy", "image/png", &photo);
    assert_eq!((r.status, r.json()["code"].as_str()), (400, Some("unknown_expression")));

    // A corrupt model file stops the server at start-up, naming the file.
    fx.write("models/broken.safetensors", b"not a model");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mien"))
        .args(["serve", "--addr", "127.0.0.1:0", "--models", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.safetensors"), "{err}");
}

#[test]
fn a_full_queue_answers_503_with_retry_after() {
    let server = Server::start(&["--concurrency", "1", "--queue", "0"]);
    // A slow upload holds the only place: its body never finishes arriving.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    write!(slow, "POST /api/edit HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial").unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let photo = std::fs::read(sample("astronaut.png")).unwrap();
    let r = server.post("/api/edit", "image/png", &photo);
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["code"], "busy");
    drop(slow);
    // Once the slow client is gone its place is free again.
    let mut status = 0;
    for _ in 0..50 {
        status = server.post("/api/edit", "image/png", &photo).status;
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status, 200);
}

#[test]
fn non_loopback_address_needs_allow_remote() {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_mien")).args(["serve", "--addr", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mien"))
        .args(["serve", "--addr", "localhost:80x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn out_of_range_limits_are_refused_at_start_up() {
    for (args, needle) in [
        (&["--concurrency", "3000000000000000000"][..], "--concurrency 3000000000000000000: must be between 1 and"),
        (&["--concurrency", "0"][..], "--concurrency 0"),
        (&["--queue", "18446744073709551614"][..], "--queue 18446744073709551614: must be at most"),
        (&["--timeout-s", "18446744073709551615"][..], "--timeout-s"),
        (&["--header-timeout-s", "0"][..], "--header-timeout-s 0"),
        (&["--max-body-mb", "99999999999"][..], "--max-body-mb"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mien"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle) && !err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Whether the server closes `s` (EOF or reset) within `limit`, writing `trickle` every 200 ms meanwhile.
fn closed_within(s: &mut TcpStream, limit: Duration, trickle: Option<&[u8]>) -> bool {
    use std::io::Read;
    let start = std::time::Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 256];
    while start.elapsed() < limit {
        if let Some(t) = trickle {
            if s.write_all(t).is_err() {
                return true;
            }
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
fn idle_and_trickling_connections_are_closed() {
    // The bound is generous (the server closes after 1 s): no timing is measured, only that it happens.
    let server = Server::start(&["--header-timeout-s", "1"]);
    let limit = Duration::from_secs(20);
    let mut idle = TcpStream::connect(server.addr).unwrap();
    assert!(closed_within(&mut idle, limit, None), "an idle connection stayed open");
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert!(closed_within(&mut slow, limit, Some(b"X-Slow: 1\r\n")), "trickled headers kept the connection open");
    // After a complete request, a kept-alive connection that sends nothing more is closed too.
    let mut kept = TcpStream::connect(server.addr).unwrap();
    kept.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(closed_within(&mut kept, limit, None), "an idle keep-alive connection stayed open");
    assert!(server.healthy());
}

#[test]
fn truncated_jpegs_are_415_and_au_model_files_offer_every_expression() {
    let dir = tempfile::tempdir().unwrap();
    let deform = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/models/deform-all.safetensors");
    std::fs::copy(&deform, dir.path().join("mine.safetensors")).unwrap();
    let server = Server::start(&["--models", dir.path().to_str().unwrap()]);
    let models = server.get("/api/models").json();
    let mine = models["models"].as_array().unwrap().iter().find(|m| m["name"] == "mine").cloned().unwrap();
    assert_eq!(mine["expressions"].as_array().map(Vec::len), Some(6), "{mine}");

    let photo = decode(&std::fs::read(sample("astronaut.png")).unwrap());
    let mut jpeg = Vec::new();
    let rgb: Vec<u8> = (0..photo.width() * photo.height())
        .flat_map(|i| (0..3).map(move |c| (c, i)))
        .map(|(c, i)| photo.data()[(c % photo.channels()) * photo.width() * photo.height() + i])
        .collect();
    ::image::ImageEncoder::write_image(
        ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90),
        &rgb,
        photo.width() as u32,
        photo.height() as u32,
        ::image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    let r = server.post("/api/edit?model=mine&expression=sad", "image/jpeg", &jpeg);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = server.post("/api/edit", "image/jpeg", &jpeg[..jpeg.len() / 2]);
    assert_eq!((r.status, r.json()["code"].as_str()), (415, Some("unsupported_image")));
    assert!(r.json()["error"].as_str().is_some_and(|e| e.contains("truncated")));
}
