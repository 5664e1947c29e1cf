//! Embeds the built web app (Trunk's `dist/`) so `whodunnit report` can write self-contained
//! HTML reports. The app must be built first (`trunk build --release`); without it the CLI still
//! builds and `whodunnit report` explains what to run. `WHODUNNIT_DIST` overrides the folder.

use std::path::PathBuf;

const FILES: [&str; 5] = [
    "app.js",
    "app_bg.wasm",
    "worker.js",
    "worker_bg.wasm",
    "style.css",
];

fn main() {
    println!("cargo:rerun-if-env-changed=WHODUNNIT_DIST");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dist = std::env::var_os("WHODUNNIT_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../dist"));
    println!("cargo:rerun-if-changed={}", dist.display());
    for f in FILES {
        println!("cargo:rerun-if-changed={}", dist.join(f).display());
    }
    let present = FILES.iter().all(|f| dist.join(f).is_file());
    let code = if present {
        let path = |f: &str| {
            let p = dist.join(f).canonicalize().expect("file exists");
            format!("{:?}", p.display().to_string())
        };
        format!(
            "/// The web app built by Trunk, embedded at compile time.\n\
             pub const APP: Option<AppFiles> = Some(AppFiles {{\n\
             app_js: include_bytes!({}),\n app_wasm: include_bytes!({}),\n\
             worker_js: include_bytes!({}),\n worker_wasm: include_bytes!({}),\n\
             css: include_str!({}),\n}});\n\
             /// Where the app was embedded from.\n\
             pub const LOOKED_IN: &str = {:?};\n",
            path(FILES[0]),
            path(FILES[1]),
            path(FILES[2]),
            path(FILES[3]),
            path(FILES[4]),
            dist.display().to_string(),
        )
    } else {
        format!(
            "/// The web app was not built when this binary was compiled.\n\
             pub const APP: Option<AppFiles> = None;\n\
             /// Where the build looked for it.\n\
             pub const LOOKED_IN: &str = {:?};\n",
            dist.display().to_string()
        )
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("app_assets.rs");
    std::fs::write(out, code).expect("write app_assets.rs");
}
