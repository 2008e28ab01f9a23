// Trunk's post-build hook: the steps run one after the other, in this order (an ES module's
// imports run in order, each to its end).
import "./csp.mjs";
import "./embed.mjs";
