//! Fuzz target `header_summary` (see src/lib.rs); its seed corpus is in __fuzz__/header_summary/corpus.

#[test]
fn header_summary() {
    bolero::check!(name = "header_summary").for_each(mailferry_fuzz::header_summary);
}
