// The failure converter of every client, worker and workflow of the VNFM: failure messages and
// stack traces go into an encoded attribute, which the payload codec encrypts, instead of
// sitting in history in plaintext. CommonJS on purpose: the SDK loads it with require() in
// every process (failureConverterPath) and webpack bundles it into the workflow code.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
