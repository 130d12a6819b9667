//! drover: run Ansible playbooks over SSH, agentless.
//!
//! The data flows through the modules in this order:
//! CLI → load (inventory, playbook, vars) → plan (hosts × tasks) → template → run per host over one
//! connection → module (query state → compare → change) → result → report.

pub mod yaml;

pub mod vault;

pub mod cli;
pub mod config;

pub mod inventory;
pub mod playbook;

pub mod template;

pub mod exec;
pub mod transport;

pub mod report;

pub mod app;
pub mod compat;
pub mod manual;
