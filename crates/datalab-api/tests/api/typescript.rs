//! The UI's TypeScript types are generated from the Rust API types; this test
//! fails when the checked-in file is stale. `DATALAB_UPDATE_TYPES=1` rewrites it.

use std::path::Path;

#[test]
fn the_generated_typescript_types_are_fresh() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../ui/src/api/types.ts");
    let generated = datalab_api::ops::typescript();
    if std::env::var_os("DATALAB_UPDATE_TYPES").is_some() {
        std::fs::create_dir_all(path.parent().ok_or("no parent")?)?;
        std::fs::write(&path, &generated)?;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} is stale: run `DATALAB_UPDATE_TYPES=1 cargo test -p datalab-api --test typescript`",
        path.display()
    );
    // Every operation is in the generated map.
    for operation in datalab_api::ops::OPERATIONS {
        assert!(
            generated.contains(&format!("  {operation}: {{ request: ")),
            "{operation}"
        );
    }
    Ok(())
}
