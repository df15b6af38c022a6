//! Fuzz target `response_framer` (see src/lib.rs); its seed corpus is in __fuzz__/response_framer/corpus.

#[test]
fn response_framer() {
    bolero::check!(name = "response_framer").for_each(mailferry_fuzz::response_framer);
}
