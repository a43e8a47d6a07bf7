import { startLocalStackHost } from "./start.js";

/**
 * npm run localstack:up [-- --port N] [--services cloudformation,iam]: LocalStack in host mode until Ctrl-C
 * (point tools at it with AWS_ENDPOINT_URL).
 */
export async function main(argv: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const option = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = option("--port");
  const started = Date.now();
  const ls = await startLocalStackHost({
    ...(port ? { port: Number(port) } : {}),
    extraServices: option("--services")?.split(",").filter(Boolean) ?? [],
  });
  console.log(
    `LocalStack ready at ${ls.endpoint} in ${ls.startMs} ms (total ${Date.now() - started} ms). Log: ${ls.logFile}`,
  );
  console.log(`Use it from another shell: export AWS_ENDPOINT_URL=${ls.endpoint}`);
  console.log("Press Ctrl-C to stop.");
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  clearInterval(keepAlive);
  await ls.stop();
  console.log("Stopped.");
  return 0;
}
