// What bin/kjp.js runs, bundled from the sources by the newcomer test so it checks this checkout's CLI
// without depending on a dist/ left by an earlier build.
import { run } from "../../../cli/main.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.exitCode = await run(process.argv);
