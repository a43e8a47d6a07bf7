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
    },
  },
);
