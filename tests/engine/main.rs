//! The training engine against references: the reference runs (`fixtures`, `capabilities`,
//! `deep`), gradient checks, L-BFGS, and thread-count independence. One test binary, which
//! `.ci/run` also runs optimised, on the forced portable path and on emulated CPUs.
//!
//! The modules are one binary rather than one each so that the crate's generic training code
//! is instantiated and linked once.

mod common;

mod capabilities;
mod deep;
mod fixtures;
mod gradient_check;
mod lbfgs;
mod threads;
