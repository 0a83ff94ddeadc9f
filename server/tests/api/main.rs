//! The petition server's integration tests: each starts a whole server on
//! port 0 over its own SQLite file and talks to it over real HTTP.

mod helpers;
mod petitions;
mod signing;
mod assets;
mod live;
mod partners_and_reasons;
mod bots_and_floods;
mod confirmation;
mod admin;
mod admin_http;
mod removal;
mod retention;
mod counts;
mod metrics;
mod dashboard;
mod dashboard_moderation;
mod dashboard_security;
mod dashboard_export;
mod dashboard_routes;
mod dashboard_editor;
mod dashboard_petition;
