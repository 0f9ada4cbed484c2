//! Tauri's build step: the app's context (config, icons, capabilities) for
//! `tauri::generate_context!`.
fn main() {
    tauri_build::build()
}
