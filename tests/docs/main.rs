//! The documents stay true: the architecture map names what exists; and the quick measurement of the core's two promised costs (ignored: run by hand).

#[path = "../common/mod.rs"]
mod common;

mod architecture_map;
mod measure_core;
