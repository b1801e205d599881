/** A valid sales event, as its JSON fields: the fixture the parser tests start from. */
export const VALID_EVENT: Readonly<Record<string, unknown>> = Object.freeze({
  event_id: "evt_1",
  user_id: "user_1",
  product_id: "prod_1",
  amount: 12.5,
  timestamp: "2026-01-01T12:00:00.000Z",
  event_type: "purchase",
});
