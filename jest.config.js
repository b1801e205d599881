/** Jest compiles with the production closure transform (tools/jest-transform.js). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  moduleFileExtensions: ["ts", "js", "json"],
  transform: { "^.+\\.ts$": "<rootDir>/tools/jest-transform.js" },
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/tools/summary-reporter.js"],
};
