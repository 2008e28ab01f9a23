// Trunk's post-build hook: the steps run one after the other, in this order (an ES module's
// imports run in order, each to its end). The build id covers index.html's final bytes, so
// the Content-Security-Policy goes in first.
import "./csp.mjs";
import "./version.mjs";
