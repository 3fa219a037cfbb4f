//! One integration-test binary (faster to link than many): every test starts its own real HTTP
//! server on 127.0.0.1 and its own store in a temporary folder.

mod analysis;
mod catalog;
mod cli;
mod crash;
mod evals;
mod fetching;
mod helpers;
mod hostile;
mod import;
mod replay;
mod tracking;
mod web;
