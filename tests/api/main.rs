//! Integration tests, through HTTP only. Each test owns a fresh database:
//! a temporary SQLite file, or, when TEST_DATABASE_URL is a PostgreSQL URL,
//! a database created for the test and dropped after it.
#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod helpers;
mod proxy;
mod tmpfs;
mod views;
mod world;

mod admin;
mod audience;
mod auth;
mod cases;
mod casework;
mod cli;
mod contract;
mod cors;
mod deadlines;
mod demo;
mod edge;
mod erasure;
mod errors;
mod exports;
mod matrix;
mod messages;
mod notifications;
mod operations;
mod people;
mod reports;
mod sealing;
mod statements;
mod webhooks;
mod window;
