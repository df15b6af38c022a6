//! Writes `ui/src/bindings.ts` from the Rust command and event types (`npm run bindings`).
//! An example rather than a binary, so the installers ship only the app.

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ui/src/bindings.ts".into());
    if let Err(e) = mailferry_app::export_bindings(std::path::Path::new(&path)) {
        eprintln!("could not write {path}: {e}");
        std::process::exit(1);
    }
    println!("wrote {path}");
}
