//! File modules. They share one way to read a file's state (`facts::file`) and one way to change it
//! (`write`): content streams into a temp file beside the destination, which is renamed into place.

pub mod copy;
pub mod file;
pub mod lineinfile;
pub mod stat;
pub mod template;
pub(crate) mod write;
