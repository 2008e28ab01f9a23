// Trunk's post-build hook: the steps run one after the other, in this order (an ES module's
// imports run in order, each to its end). The build id covers every file's final bytes, so
// the Content-Security-Policy and embed.js's version go in first.
import "./csp.mjs";
import "./embed.mjs";
import "./version.mjs";
