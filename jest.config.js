/** Jest compiles with the production closure transform (tools/jest-transform.js). */
const LONG_FAULTS = "/test/faults/(broker_outage|broker_wiped|parquet_full_disk_rerun|parquet_readonly_rerun|state_dir_full_rerun|state_dir_readonly_rerun|signals)\\.test\\.ts$";

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The long fault cases (a private broker, full disks, signals mid-input) run in `npm run test:faults` only, which
  // sets SALES_TEST_FAULTS=1; `npm test` keeps the short ones of test/faults.
  testPathIgnorePatterns: process.env.SALES_TEST_FAULTS === "1" ? ["/node_modules/"] : ["/node_modules/", LONG_FAULTS],
  moduleFileExtensions: ["ts", "js", "json"],
  transform: { "^.+\\.ts$": "<rootDir>/tools/jest-transform.js" },
  testTimeout: 60000,
  // Starts the local Kafka broker when nothing answers on 127.0.0.1:9092; stops it after if this run started it.
  globalSetup: "<rootDir>/test/setup/global_setup.ts",
  globalTeardown: "<rootDir>/test/setup/global_teardown.ts",
  reporters: ["default", "<rootDir>/tools/summary-reporter.js"],
};
