//! Fuzz target `folder_name` (see src/lib.rs); its seed corpus is in __fuzz__/folder_name/corpus.

#[test]
fn folder_name() {
    bolero::check!(name = "folder_name").for_each(mailferry_fuzz::folder_name);
}
