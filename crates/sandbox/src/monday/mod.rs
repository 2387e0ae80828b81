//! Simulated monday.com GraphQL API.
