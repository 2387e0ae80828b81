-- Payments reconciliation has already queued work for. Payment list rows may carry only a
-- date, so every poll lists a window of a few days again; this table keeps that from costing
-- a payment-detail GET per payment and poll. Rows that fall out of the window are pruned.
CREATE TABLE seen_payments (
    connection_id  TEXT NOT NULL,
    ledger         TEXT NOT NULL,      -- customer_payment | vendor_payment
    payment_id     TEXT NOT NULL,
    version_ms     INTEGER NOT NULL,   -- last_modified_time, else created_time, else date (ms)
    listed_ms      INTEGER NOT NULL,   -- the latest time the row carries: pruned once before the window
    PRIMARY KEY (connection_id, ledger, payment_id)
);
CREATE INDEX seen_payments_listed ON seen_payments (connection_id, ledger, listed_ms);
