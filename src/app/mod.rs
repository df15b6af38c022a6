//! The application layer: the rules both front ends (the command line and the window) call,
//! so that they cannot drift apart. Each front end only parses, calls and words the result.

pub mod cutover;
pub mod data_folder;
pub mod mailbox_sides;
pub mod trust;
