//! The petition server's integration tests: each starts a whole server on
//! port 0 over its own SQLite file and talks to it over real HTTP.

mod admin;
mod admin_http;
mod assets;
mod bots_and_floods;
mod confirmation;
mod counts;
mod dashboard;
mod dashboard_editor;
mod dashboard_export;
mod dashboard_moderation;
mod dashboard_petition;
mod dashboard_routes;
mod dashboard_security;
mod helpers;
mod languages;
mod live;
mod metrics;
mod partners_and_reasons;
mod petitions;
mod removal;
mod retention;
mod sharing_images;
mod sharing_oembed;
mod sharing_page;
mod signing;
