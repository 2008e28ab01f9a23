//! # svcplay — a Kubernetes Service playground
//!
//! A person edits manifests (Deployments, Pods, Nodes, Services, EndpointSlices, a
//! KubeProxyConfiguration) and svcplay shows what a real cluster would do with them: the
//! API server's errors and defaults, the EndpointSlices, the DNS records, the exact rules
//! kube-proxy programs, and where the traffic lands. This crate is the core: pure
//! functions from scenario text to every output. The page (`src/web.rs`, `src/ui/`) and
//! the command-line tool (`src/main.rs`, `src/cli.rs`) are thin shells around it.
//!
//! ## Bird's-eye view
//!
//! ```text
//! text ──manifest::parse──► Manifest (spanned YAML trees, RawObjects, syntax/decode diagnostics)
//!      ──model::build─────► Objects (typed values as written)              [--stored path]
//!      ──apiserver::admit─► Objects as stored (defaults, allocation, validation) + Admissions
//!      ──controllers::run─► + Pods from workloads, EndpointSlices, Endpoints (+ hints)
//!      ──proxy::facts─────► ProxyFacts per node and IP family (endpoints categorised once)
//!      ──proxy::iptables::render──► Ruleset (typed rules; Display = iptables-restore input)
//!      ──proxy::nftables::render──► Transaction (Display = nft -f input) ──apply──► Table
//!                                   (Display = `nft list table`; walked by nftables::trace)
//!        ──iptables::node──► NodeTables (the node's kernel tables; Save = iptables-save)
//!        ──iptables::trace─► Trace (a packet walked through the same typed rules)
//!      ──proxy::ipvs::render──────► IpvsState (virtual servers, ipsets, kube-ipvs0, its rules)
//!      ──views::run───────► what `kubectl`, `iptables-save`, `dig`… print
//!      ──simulate::run────► where N seeded requests land (walking the same typed rules)
//! ```
//!
//! [`scenario::analyze`] runs the pipeline up to the controllers and returns an
//! [`scenario::Analysis`]; per-node outputs are computed from it on demand.
//!
//! ## Code map
//!
//! - [`diag`] — [`diag::Diagnostic`]: severity, stage, field path, span, message. User
//!   mistakes are values of this type, never panics or `Err`s.
//! - [`manifest`] — scenario text → documents (split on `---` like kubectl, parsed with
//!   saphyr-parser into [`manifest::yaml::Node`] trees that keep every span) → raw objects of
//!   known kinds; `kind: List` expanded; strict decoding against [`manifest::schema`] with
//!   the API server's words (the Kubernetes kinds' tables are generated from the v1.35
//!   OpenAPI document by `tests/schema_gen.rs` from `schema/`; Go's self-decoding types,
//!   Quantity, Time and base64, in [`manifest::gotypes`]). [`manifest::yaml::Node::locate`] turns a field path into a span.
//!   Each recognised object's tree moves into its [`manifest::RawObject`], so the parsed
//!   YAML is held once (it stays for spans and kubectl's messages). The one size limit of
//!   a scenario wherever it enters is [`manifest::MAX_SCENARIO_BYTES`]; parsing counts
//!   its work ([`manifest::yaml::ParseWork`]: keys compared, alias nodes built) so tests
//!   hold hostile input to linear work.
//! - [`model`] — typed objects ([`model::Service`], [`model::Pod`], [`model::Node`],
//!   [`model::EndpointSlice`], [`model::Workload`], [`model::KubeProxyConfiguration`],
//!   [`model::NodeRuntime`]…) keeping what was written (`Option` for unset fields), IP and
//!   CIDR parsing the Kubernetes way ([`model::ip`]), label selectors ([`model::labels`]).
//! - [`apiserver`] — `kubectl apply` against a fresh cluster: decode errors, the namespace
//!   check, defaults, deterministic allocation ([`apiserver::alloc`]), validation, warnings,
//!   in the real order; [`apiserver::service`] holds the Service rules stage by stage,
//!   [`apiserver::pod`], [`apiserver::apps`], [`apiserver::endpoints`],
//!   [`apiserver::config_map`] and [`apiserver::node`] the other kinds' validation
//!   (`pkg/apis/core|apps|discovery|networking/validation`),
//!   [`apiserver::field`] the field errors rendered as apimachinery renders them,
//!   [`apiserver::names`] and [`apiserver::meta`] the shared name/label/IP/metadata checks.
//! - [`controllers`] — Deployments/ReplicaSets/StatefulSets/DaemonSets → Pods (deterministic
//!   names, nodes, IPs, derived UIDs; taints and tolerations as the scheduler and
//!   `NodeShouldRunDaemonPod` weigh them; a DaemonSet's Pod on each eligible node), the node
//!   lifecycle controller, the EndpointSlice, mirroring and legacy Endpoints controllers;
//!   learner warnings ([`controllers::hints`]) and the selector view
//!   ([`controllers::selection`]); svcplay's cluster-wide budgets (Pods, kube-proxy's
//!   entries, endpoints per Service) and their warnings ([`controllers::budget`]), which
//!   [`proxy::facts`] obeys. Readiness, deletion and node loss are
//!   written in the scenario text (annotations `svcplay.dev/not-ready` /
//!   `svcplay.dev/terminating` on workloads, Pods written out, Node `Ready` conditions).
//! - [`actions`] — the page's one-click actions as pure text edits (`fn(text, ...) -> text`).
//! - [`dns`] — the records CoreDNS serves (kubeadm Corefile), `/etc/resolv.conf` and the
//!   search-list expansion ([`dns::resolv`]).
//!   The reply on the wire ([`dns::wire`]: CoreDNS's `SizeAndDo` and `Scrub`, miekg/dns
//!   compression and truncation) is what `dig` measures and what the real dig is checked
//!   against (`tests/dig_real.rs`).
//! - [`proxy`] — kube-proxy. [`proxy::config`] resolves its configuration and the node it
//!   runs on; [`proxy::facts`] computes the per-node endpoint facts every mode shares;
//!   [`proxy::iptables`] renders the iptables mode: [`proxy::iptables::render`] (the
//!   restore input kube-proxy writes), [`proxy::iptables::node`] (kube-proxy's start on a
//!   node, the kernel's tables afterwards and `iptables-save` of them, checked against a
//!   real kernel by `tests/kernel.rs`), [`proxy::iptables::save`] (the `iptables-save`
//!   form of a rule), [`proxy::iptables::trace`] (packet walks; the seam a simulator
//!   drives with its own random choices), [`proxy::iptables::panel`] (rules by chain with
//!   their provenance, for the page); [`proxy::ipvs`] the IPVS mode (virtual
//!   servers, ipsets, kube-ipvs0 and the iptables rules it keeps), with the kernel's
//!   schedulers as deterministic state machines ([`proxy::ipvs::schedulers`], all
//!   fourteen, twos drawing from the simulator's seeded generator), the connection table
//!   ([`proxy::ipvs::kernel`]) and the TCP/SCTP/UDP state tables that count connections
//!   active or inactive ([`proxy::ipvs::proto`]); [`proxy::nftables`] the nftables mode
//!   (the transaction kube-proxy sends, the table the kernel then holds, `nft list` text,
//!   a tracer with a seam for seeded simulation, a `Syncer` replaying successive syncs
//!   with their stale chains); [`proxy::userspace`] the legacy
//!   userspace mode as kube-proxy v1.25 ran it (proxy sockets, portal rules, the
//!   round-robin balancer with ClientIP affinity and explicit time); [`proxy::trace`] is
//!   the packet-walk shape every mode produces.
//! - [`views`] — simulated commands (`svcplay run`, the page's terminal): `iptables-save`,
//!   `ip6tables-save` and `iptables -S` ([`views::iptables`]); [`views::nft`]
//!   answers `nft list …`; Go's `text/tabwriter` ([`views::tabwriter`]) for kubectl's
//!   tables; [`views::kubectl`]: `kubectl get|describe` (one [`views::kubectl::Resource`]
//!   per resource: services, endpoints, endpointslices, pods), `exec`, `-o yaml` through
//!   go-yaml's emitter ([`views::kubectl::yaml`], also the page's "stored object" text), and
//!   what `kubectl apply` prints ([`views::kubectl::apply`]); [`views::dig`] (`dig`,
//!   resolv.conf); [`views::ipvs`] prints `ipvsadm`, `ipset` and `ip addr show kube-ipvs0`
//!   (port names from [`views::etc_services`]). Every object's AGE is the fixed [`views::kubectl::AGE_SECONDS`].
//! - [`simulate`] — traffic simulation: N requests from a client to a destination walked
//!   through the node's rules in its mode, random choices from an in-crate seeded
//!   generator ([`simulate::rng`], xoshiro256++), affinity on a simulated clock; per
//!   endpoint the count and the exact probability from the rules
//!   ([`simulate::run`] → [`simulate::SimResult`], `Display` = the `svcplay simulate` table);
//!   [`simulate::curl`] answers `curl` and the seeds' `while true; do curl …; done` loop
//!   in the simulated terminal.
//! - [`scenario`] — the pipeline in one call.
//! - [`shares`] — the share of new connections each endpoint gets, read off the typed
//!   iptables/nftables rules (the page's traffic panel until the simulator lands).
//! - [`sort`] — stable sorting through one shared copy of the standard library's sort,
//!   which keeps the page's wasm small (use it instead of `slice::sort_by`).
//! - [`diagram`] — the page's cluster diagram as boxes and arrows (a pure layout).
//! - [`examples`] — built-in scenarios: the page's default (the seed tutorial's lab), the
//!   gallery of every seed lab with English and Chinese explanations, and a generated
//!   5,000-Service dump for measurements ([`examples::dump`]).
//!
//! ## Invariants
//!
//! - **The core does no I/O.** No file system, network, clock or randomness in this crate;
//!   no dependency on yew, web-sys, wasm-bindgen or clap (`tests/tidy.rs` fails otherwise).
//!   Every simulation takes its seed and clock as arguments.
//! - **Parsing never fails.** Every stage returns what it could build plus diagnostics; one
//!   broken document never hides the others; nothing reachable from input panics.
//! - **Deterministic.** The same text gives the same output on every platform. Where the
//!   real system chooses at random (ClusterIPs, NodePorts, name suffixes), svcplay derives
//!   the value from the object's identity, so editing one object never moves another's.
//! - **Rules are typed values printed by `Display`.** No renderer builds output strings ad
//!   hoc; the tracer and simulator walk the same values the views print.
//! - **Computed once.** The per-node endpoint facts are computed once and shared by every
//!   proxy mode.
//! - **Hostile input is bounded.** Every entry has a limit (size, nesting, aliases, Pods,
//!   kube-proxy's entries, simulated requests; README "Limits"); past one, a clear
//!   diagnostic or usage error, never a hang (`tests/hostile.rs`).
//! - **Budgets are measured, not asserted.** Speed in `benches/` (criterion), memory in
//!   `tests/memory.rs`, the page's size and keystroke timings in the reports of
//!   `scripts/test.sh` (PRODUCT.md has the budgets).
//! - **Kubernetes' own words.** Types and fields are named as Kubernetes names them;
//!   messages are the real components' messages.

pub mod actions;
pub mod apiserver;
pub mod controllers;
pub mod diag;
pub mod diagram;
pub mod dns;
pub mod examples;
pub mod manifest;
pub mod model;
pub mod proxy;
pub mod scenario;
pub mod shares;
pub mod simulate;
pub mod sort;
pub mod views;
