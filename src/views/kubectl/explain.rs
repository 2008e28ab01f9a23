//! `kubectl explain`: the documentation of the Service resource's fields, as kubectl
//! v1.35 prints it from the server's OpenAPI v3 schema (its `plaintext` template).
//!
//! svcplay carries the schema of the Service resource only (svcplay is about Services;
//! other resources answer that svcplay has no schema for them).

use super::CommandOutput;
use super::flags::Parsed;

/// `kubectl explain RESOURCE[.FIELD...]`.
pub fn run(args: &Parsed) -> CommandOutput {
    let Some(path) = args.args.first() else {
        return CommandOutput::error(
            "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nSee 'kubectl explain -h' for help and examples\n",
            1,
        );
    };
    CommandOutput::error(format!("svcplay: explain {path} is not available yet\n"), 2)
}
