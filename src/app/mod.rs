//! The application layer: the rules both front ends (the command line and the window) call,
//! so that they cannot drift apart. Each front end only parses, calls and words the result.

pub mod csv_import;
pub mod cutover;
pub mod data_folder;
pub mod mailbox_sides;
pub mod mailbox_sign_ins;
pub mod new_batch;
pub mod run_control;
pub mod trust;
