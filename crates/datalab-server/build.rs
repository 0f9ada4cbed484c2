//! Embeds the built UI (`ui/dist`) into the crate, so the `datalab` binary
//! serves it wherever it is copied or installed: `ui_files.rs` in OUT_DIR
//! lists every file of the folder with its bytes. Without a built UI the
//! list is empty and the server says how to build one.

use std::path::{Path, PathBuf};

fn files(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            files(&path, root, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path.clone()));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut found = Vec::new();
    files(&dist, &dist, &mut found);
    if !found.iter().any(|(name, _)| name == "index.html") {
        println!(
            "cargo:warning=ui/dist has no built UI: `datalab ui --serve` will say how to build it \
             (npm --prefix ui ci && npm --prefix ui run build)"
        );
        found.clear();
    }
    let mut code = String::from(
        "/// The built UI: path below `ui/dist`, bytes.\npub static UI_FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &found {
        let absolute = path.canonicalize().unwrap_or_else(|_| path.clone());
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            absolute.to_string_lossy()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("ui_files.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
