// Trunk's post-build hook: the steps run one after the other, in this order (each imported
// when the last has ended: static imports would start a step while one before it awaits,
// as the pre-render does). The pre-render goes first (it changes index.html
// and runs the built page as it is); the build id covers every file's final bytes, so the
// Content-Security-Policy (which hashes the inline scripts, the app's deferred one included)
// and embed.js's version go in before it.
await import("./prerender.mjs");
await import("./csp.mjs");
await import("./embed.mjs");
await import("./version.mjs");
