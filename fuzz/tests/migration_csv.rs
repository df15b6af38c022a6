//! Fuzz target `migration_csv` (see src/lib.rs); its seed corpus is in __fuzz__/migration_csv/corpus.

#[test]
fn migration_csv() {
    bolero::check!(name = "migration_csv").for_each(mailferry_fuzz::migration_csv);
}
