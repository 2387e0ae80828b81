//! Simulated Zoho Books (accounts + Books v3 API).
