// The AWS SDK warns on Node 20 about its future Node 22 floor; the warning is noise in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
