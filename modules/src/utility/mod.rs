//! Modules that run on the controller only: they print, decide or remember, and change no host.

pub mod argument_spec;
pub mod assert;
pub mod debug;
pub mod fail;
pub mod ping;
pub mod set_fact;
pub mod setup;
pub mod validate_argument_spec;
