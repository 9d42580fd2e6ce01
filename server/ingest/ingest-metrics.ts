/** What ingest counts, for `/metrics`: [metric name, help] by the name ingest uses. */
export const INGEST_COUNTERS = {
  received: ['observatory_snapshots_received_total', 'Snapshots received from agents'],
  stored: ['observatory_snapshots_stored_total', 'Snapshots persisted'],
  duplicates: ['observatory_snapshots_duplicate_total', 'Snapshots already stored, ignored'],
  rejected: ['observatory_ingest_rejected_total', 'Messages refused by ingest, by reason'],
  storeErrors: ['observatory_ingest_store_errors_total', 'Batches the store failed to persist'],
  connects: ['observatory_agent_connections_total', 'Agent connections accepted'],
  urgentReceived: [
    'observatory_urgent_events_total',
    'Urgent (membership, fault) events received from agents, by outcome',
  ],
} as const;

/** The one gauge of ingest: how far behind storage acknowledges each node. */
export const INGEST_LAG = [
  'observatory_ingest_lag_seconds',
  'End of the newest stored snapshot interval to its ack, per node',
] as const;
