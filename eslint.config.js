import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "coverage/",
      ".venv/",
      ".venv-*/",
      ".kjp/",
      ".serverless/",
      ".build/",
      "producers/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // TypeScript files are checked by tsc; these are the Node globals the plain .js/.mjs files use.
    languageOptions: {
      globals: Object.fromEntries(
        ["process", "console", "Buffer", "URL", "setTimeout", "clearTimeout", "globalThis"].map((g) => [
          g,
          "readonly",
        ]),
      ),
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // No barrels: a name is imported from the module that defines it (docs/architecture.md, "Layout").
      "no-restricted-syntax": [
        "error",
        {
          selector: "ExportAllDeclaration, ExportNamedDeclaration[source]",
          message: "No re-exports (barrels): import the name from the module that defines it.",
        },
      ],
    },
  },
  {
    // Development tooling serves the CLI, never the other way round.
    files: ["dev/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/cli/**"], message: "dev/ must not import cli/ (the CLI sits on top of it)." },
          ],
        },
      ],
    },
  },
  {
    // What ships in the Lambda bundles never reaches into development tooling or the CLI
    // (docs/architecture.md, "Layout"); test/serverless/build-lambda.test.ts checks the bundles themselves.
    files: ["handlers/**/*.ts", "processors/**/*.ts", "schemas/**/*.ts", "lib/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/dev/**", "**/cli/**"],
              message: "Shipped code (handlers, processors, schemas, lib) must not import dev/ or cli/.",
            },
          ],
        },
      ],
    },
  },
);
