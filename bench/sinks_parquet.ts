/**
 * npm run bench:sinks (Parquet half) — placeholder: the Parquet sink and its benchmark are built in their own
 * branch; the lead replaces this file at the merge.
 */
console.log("ratio parquet: not built in this checkout");
