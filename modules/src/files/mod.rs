//! File modules. They share one way to read a file's state (`facts::file`) and one way to change it
//! (`write`): content streams into a temp file beside the destination, which is renamed into place.
//! `copy`, `template`, `assemble` put a whole file's content the same way (`put`).

pub mod assemble;
pub mod blockinfile;
pub mod copy;
mod copy_tree;
pub mod fetch;
pub mod file;
pub mod find;
pub mod lineinfile;
pub(crate) mod put;
mod pyre;
pub mod replace;
pub mod slurp;
pub mod stat;
pub mod tempfile;
pub mod template;
mod timestamps;
pub mod unarchive;
pub(crate) mod write;
