// Node 20 is the supported local runtime (Lambda runs nodejs22.x): keep the AWS SDK's notice about it out of
// every test's output, unless the developer set the variable explicitly.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
