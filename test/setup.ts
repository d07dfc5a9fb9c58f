// The AWS SDK prints a one-time notice about the Node.js version on Node 20; it is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_REGION ??= 'us-east-1';
