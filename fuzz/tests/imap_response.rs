//! Fuzz target `imap_response` (see src/lib.rs); its seed corpus is in __fuzz__/imap_response/corpus.

#[test]
fn imap_response() {
    bolero::check!(name = "imap_response").for_each(mailferry_fuzz::imap_response);
}
