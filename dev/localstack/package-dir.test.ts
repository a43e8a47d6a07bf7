import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fillLocalStackPackageDir, KINESIS_MOCK_VERSION, localStackPackageDir } from "./package-dir.js";

/** The marker files LocalStack 4.4 checks before it would download a package (see its packages modules). */
let root: string;
let lib: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "kjp-ls-pkg-"));
  lib = fillLocalStackPackageDir(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("fills <FILESYSTEM_ROOT>/var/lib/localstack/lib", () => {
  expect(lib).toBe(localStackPackageDir(root));
  expect(lib).toBe(join(root, "var/lib/localstack/lib"));
});

test("every package LocalStack would download is present", () => {
  accessSync(join(lib, "java/21/bin/java"), constants.X_OK);
  expect(existsSync(join(lib, "dynamodb-local/2/DynamoDBLocal.jar"))).toBe(true);
  expect(existsSync(join(lib, "dynamodb-local/2/DynamoDBLocal_lib"))).toBe(true);
  expect(
    existsSync(join(lib, `kinesis-local/${KINESIS_MOCK_VERSION}/node_modules/kinesis-local/main.js`)),
  ).toBe(true);
});

test("the Java launcher runs the system Java without the ddb-local-loader agent, keeping every other argument", () => {
  const java = join(lib, "java/21/bin/java");
  const run = spawnSync(
    java,
    ["-javaagent:/absent/ddb-local-loader-0.1.jar", "-Dkjp.probe=a b", "-version"],
    {
      encoding: "utf8",
    },
  );
  expect(run.status).toBe(0);
  expect(run.stderr).toMatch(/version "(1[7-9]|[2-9]\d)/);
  // An agent jar that is not the loader is passed on (and fails, as it would with plain java).
  expect(spawnSync(java, ["-javaagent:/absent/other.jar", "-version"]).status).not.toBe(0);
});

test("filling again over an existing folder is a no-op", () => {
  expect(fillLocalStackPackageDir(root)).toBe(lib);
  expect(existsSync(join(lib, "dynamodb-local/2/DynamoDBLocal.jar"))).toBe(true);
});
