//! The page in a real browser: Debian's `chromium`, headless, driven over the
//! WebDriver HTTP API of `chromium-driver`. Loads the page, uploads
//! `astronaut.png`, moves the intensity slider with the keyboard, waits for
//! the result and checks it differs from the input, and saves a screenshot
//! (its path is printed). Skipped, with the reason printed, when chromium or
//! chromedriver is not installed (`apt-get install -y chromium chromium-driver`).
//! `MIEN_CHROMIUM`, `MIEN_CHROMEDRIVER` and `MIEN_SCREENSHOT` override the paths.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::client::{request, sample, Server};

/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))).find(|p| p.is_file())
}

/// A chromedriver process and one browser session, both ended on drop.
struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(chromium: &Path, chromedriver: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Self { driver, addr, session: String::new(), _profile: profile };
        wait_for("chromedriver to listen", Duration::from_secs(20), || {
            std::net::TcpStream::connect(addr).is_ok().then_some(())
        });
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1400,900".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }}});
        let v = browser.call("POST", "/session", Some(caps));
        browser.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        browser
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = if path.starts_with("/session/") || path == "/session" {
            path.to_string()
        } else {
            format!("/session/{}{path}", self.session)
        };
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let headers: &[(&str, &str)] = if method == "POST" { &[("Content-Type", "application/json")] } else { &[] };
        let r = request(self.addr, method, &path, headers, body.as_bytes());
        let v: Value = r.json();
        assert_eq!(r.status, 200, "WebDriver {method} {path}: {v}");
        v["value"].clone()
    }

    fn script(&self, js: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({ "script": js, "args": [] })))
    }

    fn element(&self, css: &str) -> String {
        let v = self.call("POST", "/element", Some(json!({ "using": "css selector", "value": css })));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {v}")).to_string()
    }

    fn send_keys(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    /// Waits until the page has answered its latest request.
    fn wait_done(&self, what: &str) {
        wait_for(what, Duration::from_secs(60), || match self.script("return document.body.dataset.state").as_str() {
            Some("done") => Some(()),
            Some("error") => panic!(
                "{what}: the page shows an error: {}",
                self.script("return document.getElementById('status').textContent")
            ),
            _ => None,
        });
    }
}

impl Browser {
    /// Waits (polling cheaply, so the page's own timing is not disturbed)
    /// until the result shows these slider values; returns the page's update time in ms.
    fn wait_features(&self, want: &str) -> f64 {
        const POLL: &str = "const b = document.getElementById('after'); \
            return document.body.dataset.state === 'done' && b.dataset.features === arguments[0] ? Number(b.dataset.updateMs || 0) : null";
        wait_for(&format!("the result with {want}"), Duration::from_secs(60), || {
            self.call("POST", "/execute/sync", Some(json!({ "script": POLL, "args": [want] }))).as_f64()
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(self.addr, "DELETE", &format!("/session/{}", self.session), &[], &[]);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Counts pixels that differ between the before and after images, drawn at natural size.
const COMPARE: &str = r#"
const a = document.getElementById('before'), b = document.getElementById('after');
if (!b.complete || !b.naturalWidth) return null;
const px = (img) => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, c.width, c.height).data; };
const x = px(a), y = px(b);
let diff = 0;
for (let i = 0; i < Math.min(x.length, y.length); i += 4) if (x[i] !== y[i] || x[i+1] !== y[i+1] || x[i+2] !== y[i+2]) diff++;
return { width: b.naturalWidth, height: b.naturalHeight, diff, intensity: b.dataset.intensity, slider: document.getElementById('intensity').value };
"#;

#[test]
fn page_edits_an_upload_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program("MIEN_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]),
        find_program("MIEN_CHROMEDRIVER", &["chromedriver"]),
    ) else {
        crate::util::skip(
            "chromium or chromedriver not found; apt-get install -y chromium chromium-driver, \
             or set MIEN_CHROMIUM and MIEN_CHROMEDRIVER to their paths",
        );
        return;
    };
    let server = Server::start(&[]);
    let browser = Browser::start(&chromium, &chromedriver);
    browser.call("POST", "/url", Some(json!({ "url": server.url("/") })));
    wait_for("the model list", Duration::from_secs(20), || {
        browser.script("return document.querySelectorAll('#expressions button').length").as_u64().filter(|&n| n == 6)
    });

    // A text file: a clear message, and the page carries on.
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a photo\n").unwrap();
    browser.send_keys("#file", text.to_str().unwrap());
    let message = wait_for("the unsupported-file message", Duration::from_secs(30), || {
        let state = browser.script("return document.body.dataset.state");
        (state == "error").then(|| browser.script("return document.getElementById('status').textContent"))
    });
    assert!(message.as_str().is_some_and(|m| m.contains("Unsupported file")), "{message}");

    let photo = sample("astronaut.png");
    browser.send_keys("#file", photo.to_str().unwrap());
    browser.wait_done("the first edit");
    let first = browser.script(COMPARE);
    assert_eq!((first["width"].as_u64(), first["height"].as_u64()), (Some(512), Some(512)), "{first}");
    assert_eq!(first["intensity"], "1.00", "{first}");

    // Pick another expression, then move the slider down with the keyboard.
    browser.script(
        "[...document.querySelectorAll('#expressions button')].find(b => b.textContent === 'surprise').click()",
    );
    browser.wait_done("the surprise edit");
    let keys = "\u{E012}".repeat(30); // ArrowLeft ×30: 100% → 70%
    browser.send_keys("#intensity", &keys);
    let moved = wait_for("the result at the slider's intensity", Duration::from_secs(60), || {
        let v = browser.script(COMPARE);
        let settled = browser.script("return document.body.dataset.state").as_str() == Some("done");
        (settled && v["intensity"] == "0.70").then_some(v)
    });
    assert_eq!(moved["slider"], "70", "{moved}");
    let diff = moved["diff"].as_u64().unwrap();
    assert!(diff > 500, "the result differs from the input in only {diff} pixels: {moved}");
    let status = browser.script("return document.getElementById('status').textContent");
    assert!(status.as_str().is_some_and(|s| s.contains("surprise at 70%")), "{status}");

    let png = base64_decode(browser.call("GET", "/screenshot", None).as_str().unwrap());
    let shot = std::env::var_os("MIEN_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-browser.png"));
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());
    assert!(server.healthy());
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = s.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()).map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// Pixels that differ between before and after (any channel by more than 2
/// levels), their bounding box, and what the result says of itself.
const CHANGED: &str = r#"
const a = document.getElementById('before'), b = document.getElementById('after');
if (!b.complete || !b.naturalWidth) return null;
const px = (img) => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, c.width, c.height).data; };
const x = px(a), y = px(b), w = b.naturalWidth;
let diff = 0, x0 = 1e9, y0 = 1e9, x1 = -1, y1 = -1;
for (let i = 0; i < Math.min(x.length, y.length); i += 4) {
  if (Math.abs(x[i] - y[i]) > 2 || Math.abs(x[i+1] - y[i+1]) > 2 || Math.abs(x[i+2] - y[i+2]) > 2) {
    diff++; const p = i / 4, px_ = p % w, py = Math.floor(p / w);
    x0 = Math.min(x0, px_); y0 = Math.min(y0, py); x1 = Math.max(x1, px_ + 1); y1 = Math.max(y1, py + 1);
  }
}
return { diff, box: [x0, y0, x1, y1], features: b.dataset.features || '', region: b.dataset.region || '',
  ms: Number(b.dataset.updateMs || 0), state: document.body.dataset.state };
"#;

#[test]
fn each_feature_slider_changes_only_its_region_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program("MIEN_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]),
        find_program("MIEN_CHROMEDRIVER", &["chromedriver"]),
    ) else {
        crate::util::skip(
            "chromium or chromedriver not found; apt-get install -y chromium chromium-driver, \
             or set MIEN_CHROMIUM and MIEN_CHROMEDRIVER to their paths",
        );
        return;
    };
    let server = Server::start(&[]);
    let browser = Browser::start(&chromium, &chromedriver);
    browser.call("POST", "/url", Some(json!({ "url": server.url("/") })));
    let names: Vec<String> = wait_for("the sliders", Duration::from_secs(20), || {
        let v = browser.script("return [...document.querySelectorAll('#features input')].map(i => i.dataset.feature)");
        v.as_array().filter(|a| a.len() == 8).map(|a| a.iter().map(|n| n.as_str().unwrap().to_string()).collect())
    });
    assert!(!browser.script("return document.getElementById('features-field').hidden").as_bool().unwrap());
    browser.send_keys("#file", sample("astronaut.png").to_str().unwrap());
    browser.wait_done("the first edit");

    let mut times = Vec::new();
    for name in &names {
        browser.script("document.getElementById('features-reset').click()");
        // ArrowRight ×20 in steps of 0.05: 0 → 1, one input event (and coalesced request) per key.
        browser.send_keys(&format!("#features input[data-feature='{name}']"), &"\u{E014}".repeat(20));
        let want = format!("{name}=1.00");
        browser.wait_features(&want);
        let v = browser.script(CHANGED);
        let diff = v["diff"].as_u64().unwrap();
        assert!(diff > 30, "{name}: only {diff} pixels changed: {v}");
        let region: Vec<f64> = v["region"].as_str().unwrap().split(',').map(|s| s.parse().unwrap()).collect();
        let b: Vec<f64> = v["box"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        // Bilinear resampling may touch the pixel next to the region's edge.
        let inside =
            b[0] >= region[0] - 1.0 && b[1] >= region[1] - 1.0 && b[2] <= region[2] + 1.0 && b[3] <= region[3] + 1.0;
        assert!(inside, "{name}: pixels changed in {b:?}, outside its region {region:?}: {v}");
        // One step back (ArrowLeft): a single update with nothing else in flight, timed by the page.
        std::thread::sleep(Duration::from_millis(400));
        browser.send_keys(&format!("#features input[data-feature='{name}']"), "\u{E012}");
        let want = format!("{name}=0.95");
        let ms = browser.wait_features(&want);
        let split = browser.script("const b = document.getElementById('after'); return `answer ${b.dataset.answerMs} ms, server ${b.dataset.serverMs} ms`");
        println!(
            "slider {name}: {diff} pixels changed in {b:?} within {region:?}; one step {ms:.0} ms ({})",
            split.as_str().unwrap_or("")
        );
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "slider updates (512×512, key press → result shown, incl. 30 ms debounce): median {:.0} ms, max {:.0} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    // A preset sets the sliders.
    browser.script("[...document.querySelectorAll('#presets button')].find(b => b.textContent === 'surprise').click()");
    let v = wait_for("the surprise preset", Duration::from_secs(60), || {
        let v = browser.script(CHANGED);
        (v["state"] == "done" && v["features"].as_str().is_some_and(|f| f.contains("mouth-open=1.00"))).then_some(v)
    });
    assert!(v["diff"].as_u64().unwrap() > 100, "{v}");
    assert!(server.healthy());
}
