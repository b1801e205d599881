/** Jest compiles with the production closure transform (tools/jest-transform.js). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  moduleFileExtensions: ["ts", "js", "json"],
  transform: { "^.+\\.ts$": "<rootDir>/tools/jest-transform.js" },
  testTimeout: 60000,
  // Starts the local Kafka broker when nothing answers on 127.0.0.1:9092; stops it after if this run started it.
  globalSetup: "<rootDir>/test/setup/global_setup.ts",
  globalTeardown: "<rootDir>/test/setup/global_teardown.ts",
  reporters: ["default", "<rootDir>/tools/summary-reporter.js"],
};
