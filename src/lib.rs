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
//!      ──proxy::Proxier───► one per node × family × mode, built once, cached by the Analysis:
//!          output() / lines()   what the mode writes, each line with its typed Provenance
//!          trace(packet)        a packet walked through the typed rules
//!          simulate(requests)   N seeded requests through the same rules (proxy::sim)
//!          watch(requests)      the first of them, each walked hop by hop (proxy::sim)
//!        rendering, per mode: iptables::render ─► Ruleset (Display = iptables-restore input)
//!                             ──iptables::node─► NodeTables (the kernel's; Save = iptables-save)
//!                             nftables::render ─► Transaction (nft -f) ──apply──► Table (nft list)
//!                             ipvs::render ─────► IpvsState (virtual servers, ipsets, kube-ipvs0)
//!                             userspace::render ► the v1.25 proxy sockets and portal rules
//!      ──views::run───────► what `kubectl`, `iptables-save`, `dig`, `curl`… print
//!      ──simulate::run────► where N seeded requests from a client of the scenario land
//! ```
//!
//! [`scenario::analyze`] runs the pipeline up to the controllers and returns an
//! [`scenario::Analysis`]; kube-proxy's side is computed from it on demand through the
//! proxier seam ([`scenario::Analysis::proxy`], [`proxy::Proxier`]): nobody outside
//! [`proxy`] switches on the proxy mode.
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
//!   Each recognised object's tree moves into its [`manifest::RawObject`] for the stages
//!   of one analysis; afterwards ([`manifest::Manifest::release_trees`]) an object keeps
//!   its document's text (shared by the document's objects; an edit copies only the
//!   documents it parses again) and [`manifest::RawObject::node`] parses
//!   it again for spans, field paths and kubectl's messages (an analysis holds the text,
//!   not trees ten times its size). The one size limit of
//!   a scenario wherever it enters is [`manifest::MAX_SCENARIO_BYTES`]. After an edit,
//!   [`manifest::reparse`] parses only the documents whose text changed and moves the
//!   others' trees and objects from the previous parse to their new lines; it splits
//!   only the text between the separators around the edited place again (the manifest
//!   keeps where each chunk of its text is, `yaml::split_documents_after_edit`). Parsing counts
//!   its work ([`manifest::yaml::ParseWork`]: keys compared, alias nodes built) so tests
//!   hold hostile input to linear work.
//! - [`model`] — typed objects ([`model::Service`], [`model::Pod`], [`model::Node`],
//!   [`model::EndpointSlice`], [`model::Workload`], [`model::KubeProxyConfiguration`],
//!   [`model::NodeRuntime`]…) keeping what was written (`Option` for unset fields), IP and
//!   CIDR parsing the Kubernetes way ([`model::ip`]), label selectors ([`model::labels`]);
//!   labels, annotations, selectors and ConfigMap data are [`model::StringMap`]s (a sorted
//!   boxed slice with `BTreeMap`'s interface, as small as its entries).
//! - [`apiserver`] — `kubectl apply` against a fresh cluster: decode errors, the namespace
//!   check, defaults, deterministic allocation ([`apiserver::alloc`]), validation, warnings,
//!   in the real order; [`apiserver::service`] holds the Service rules stage by stage,
//!   [`apiserver::pod`], [`apiserver::apps`], [`apiserver::endpoints`],
//!   [`apiserver::config_map`] and [`apiserver::node`] the other kinds' validation
//!   (`pkg/apis/core|apps|discovery|networking/validation`),
//!   [`apiserver::field`] the field errors rendered as apimachinery renders them,
//!   [`apiserver::names`] and [`apiserver::meta`] the shared name/label/IP/metadata checks.
//!   Each admission's reads (its namespace, every question asked of the allocators) and
//!   effects are journaled ([`apiserver::replay`]); after an edit, an untouched object
//!   whose reads answer the same is replayed instead of admitted again: its stored
//!   object, its [`apiserver::Admission`] and its requests move over from the analysis
//!   before, and a Service keeps the UID the controllers derived for it. When the text
//!   holds only those kinds with unique identities (a dump) and the edit replaced one run
//!   of objects, the untouched ones are not even visited ([`apiserver::carry`]): they stay
//!   in place, and only the run and the objects that asked the allocators about a value
//!   whose holder or request the edit changed (or live in a namespace it created or
//!   removed) are checked again.
//! - [`controllers`] — Deployments/ReplicaSets/StatefulSets/DaemonSets → Pods (deterministic
//!   names, nodes, IPs, derived UIDs; taints and tolerations as the scheduler and
//!   `NodeShouldRunDaemonPod` weigh them; a DaemonSet's Pod on each eligible node), the node
//!   lifecycle controller, the EndpointSlice, mirroring and legacy Endpoints controllers;
//!   learner warnings ([`controllers::hints`]) and the selector view
//!   ([`controllers::selection`]); svcplay's cluster-wide budgets (Pods, kube-proxy's
//!   entries, endpoints per Service) and their warnings ([`controllers::budget`]), which
//!   [`proxy::facts`] obeys. After an edit whose admission was carried over in bulk, the
//!   analysis keeps each Service's warnings and the budgets' counts per Service
//!   ([`controllers::budget::Tally`]) and makes again only those of the objects the edit
//!   changed (the rules are in `scenario`'s `KeptHints`); kube-proxy's facts and listings
//!   read the Services left out from those counts ([`scenario::Analysis::over_budget`]:
//!   nothing to read when every Service fits). Readiness, deletion and node loss are
//!   written in the scenario text (annotations `svcplay.dev/not-ready` /
//!   `svcplay.dev/terminating` on workloads, Pods written out, Node `Ready` conditions).
//!   [`controllers::kubeadm`] adds a kubeadm cluster's kube-system objects (kube-proxy's
//!   DaemonSet, Pods and ConfigMap, CoreDNS and kube-dns, the static control-plane Pods;
//!   not under `--stored`).
//! - [`actions`] — the page's one-click actions as pure text edits (`fn(text, ...) -> text`),
//!   and [`actions::scheduler`] (IPVS mode and its scheduler, written into the text).
//! - [`dns`] — the records CoreDNS serves (kubeadm Corefile), `/etc/resolv.conf` and the
//!   search-list expansion ([`dns::resolv`]); [`dns::downstream`] holds what "what
//!   changed" compares of an analysis (endpoints and records), patched after an edit.
//!   The reply on the wire ([`dns::wire`]: CoreDNS's `SizeAndDo` and `Scrub`, miekg/dns
//!   compression and truncation) is what `dig` measures and what the real dig is checked
//!   against (`tests/dig_real.rs`).
//! - [`proxy`] — kube-proxy. [`proxy::config`] resolves its configuration to types once
//!   (mode, local detector, `nodePortAddresses`, IPVS scheduler and timeouts) and the node
//!   it runs on; [`proxy::facts`] computes the per-node endpoint facts every mode shares
//!   ([`proxy::facts_for_packet`]: only what one packet's path needs);
//!   [`proxy::Proxier`] and [`proxy::NodeProxy`] are the seam every caller goes through
//!   (what a mode writes, each line with its [`proxy::Provenance`], a packet walk, a
//!   simulation by the engines of [`proxy::sim`] with their seeded generator
//!   [`proxy::sim::rng`], xoshiro256++); [`proxy::lines`] is how every listing is
//!   written — each line with its typed source: the service port and endpoint, the
//!   configuration fields, who writes it ([`proxy::lines::By`]: the kube-proxy function,
//!   fixed rules included, or the tool printing) and what it does
//!   ([`proxy::lines::What`], read off the typed rule by each mode); [`proxy::provenance`]
//!   resolves those sources to objects and field paths, and [`proxy::explain`] words
//!   them in plain language in English and Chinese; [`proxy::chunks`] keeps iptables
//!   mode's restore input and `iptables-save` listings in per-Service chunks (each
//!   Service's lines with their provenance, placed as the rendering orders them), so
//!   that the listing after an edit renders only the Services the edit touched, as
//!   kube-proxy's partial sync writes only the changed Services' chains, and a window of
//!   it is read run by run ([`proxy::chunks::Entry::runs`]);
//!   [`proxy::mode_chunks`] does the same for nftables mode's transaction and `nft list`
//!   (the Services' pieces in slots of a fixed skeleton, the shared maps' elements kept
//!   one by one in nft's order);
//!   [`proxy::iptables`] renders the iptables mode: [`proxy::iptables::render`] (the
//!   restore input kube-proxy writes), [`proxy::iptables::node`] (kube-proxy's start on a
//!   node, the kernel's tables afterwards and `iptables-save` of them, checked against a
//!   real kernel by `tests/kernel.rs`), [`proxy::iptables::save`] (the `iptables-save`
//!   form of a rule), [`proxy::iptables::trace`] (packet walks; the seam a simulator
//!   drives with its own random choices); [`proxy::ipvs`] the IPVS mode (virtual
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
//!   the packet-walk shape every mode produces, its verdicts in English and, through
//!   [`proxy::trace::verdict_words`], in Chinese.
//! - [`views`] — simulated commands (`svcplay run`, the lab terminal): `iptables-save`,
//!   `ip6tables-save` and `iptables -S` ([`views::iptables`]), `iptables -L` in its forms
//!   ([`views::iptables_list`], checked against the real tool); [`views::nft`]
//!   answers `nft list …`: kube-proxy's nftables tables and, through
//!   [`views::iptables_nft`], the tables iptables-nft created on the node (the same
//!   typed tables as `iptables-save`, in the kernel's creation order, each rule as nft
//!   prints iptables-nft's translation; checked against a real kernel by
//!   `tests/kernel_iptables_nft.rs`); Go's `text/tabwriter` ([`views::tabwriter`]) for kubectl's
//!   tables; [`views::kubectl`]: `kubectl get|describe|explain` over one
//!   [`views::kubectl::Resource`] table (services, endpoints, endpointslices, pods,
//!   deployments, replicasets, statefulsets, daemonsets, nodes, namespaces, configmaps,
//!   events), kubectl's flag parsing ([`views::kubectl::flags`]), `-o yaml` through
//!   go-yaml's emitter ([`manifest::emit`], also the page's "stored object" text), and
//!   what `kubectl apply` prints ([`views::kubectl::apply`]); [`views::dig`] (`dig`,
//!   resolv.conf); [`views::ipvs`] prints `ipvsadm`, `ipset` and `ip addr show kube-ipvs0`
//!   (port names from [`views::etc_services`]); [`views::curl`] answers `curl` and the
//!   seeds' `while true; do curl …; done` loop. AGE is measured on the session clock.
//!   [`views::listing`] gives any listing of a node's
//!   kube-proxy (the restore input, `iptables-save`, `ipvsadm -Ln`, `ipset list`,
//!   `ip addr show kube-ipvs0`, the nft transaction, `nft list`, the userspace proxier)
//!   with the provenance of every line, printed by the same printers as the commands
//!   (iptables mode's two through [`proxy::chunks`], nftables mode's two through
//!   [`proxy::mode_chunks`]; [`views::listing::made_whole`]
//!   without them); [`views::listing::window`] reads the lines a rules panel shows
//!   (filtered by text or object, at most a limit) straight from iptables mode's chunks,
//!   counting the rest, without writing the listing out.
//! - [`session`] — scenario format v2: named `File`s (on the node's disk) and the `Session`
//!   document (the session clock, the node, the running kube-proxy's configuration, rules
//!   a previous mode left, conntrack entries, files written in Pods), each change a pure
//!   edit of the text ([`session::text`]).
//! - [`shell`] — the lab terminal of the page and `svcplay shell`: a bash-like parser and
//!   executor over the scenario text; kubectl's verbs that change things as pure edits,
//!   a Pod's shell, the node's tools, loops stepped one iteration at a time.
//! - [`lesson`] — lessons (PRODUCT.md E1): one Markdown file per lesson with both
//!   languages ([`lesson::parse`] → [`lesson::Lesson`] or [`lesson::Diagnostic`]s with
//!   line and column), each step's start ([`lesson::Lesson::start`]: its own scenario and
//!   files, or what the previous step's solution leaves), declarative checks over the
//!   analysis and the commands entered ([`lesson::check`] → [`lesson::CheckOutcome`]s
//!   saying what they saw in both languages), solutions of edits and terminal commands
//!   run through [`shell`] ([`lesson::solve`]), the lesson's self-test
//!   ([`lesson::validate`], `svcplay lesson check`) and the built-in lessons
//!   ([`lesson::builtin`], `src/lesson/builtin/*.md`).
//! - [`simulate`] — traffic simulation: N requests from a client of the scenario to a
//!   destination, sent through the proxier of the node they meet, affinity on a simulated
//!   clock ([`time::SimTime`]); per endpoint the count and the exact probability from the
//!   rules, with the Pod and node behind it ([`simulate::run`] → [`simulate::SimResult`],
//!   `Display` = the `svcplay simulate` table); [`simulate::clients`] lists who can send
//!   and where to; [`simulate::spread`] sends from every node at once;
//!   [`simulate::watch`] follows the first requests of the same seeded run one at a time,
//!   each with its own walk from [`proxy::Proxier::watch`] (the hop that chose, affinity
//!   pinning, masquerade, the crossing to the Pod's node).
//! - [`checknode`] — check a real node (`svcplay check-node`, the page's "check a node"):
//!   pasted `iptables-save`, `ipvsadm -Ln` + `ipset list`, `nft list ruleset` (recognised by
//!   content, [`checknode::dump`]) read through the same parsers as svcplay's own outputs
//!   ([`checknode::words`] turns iptables text back into typed rules) and compared item by
//!   item: `missing`, `extra`, `stale` (a Service port the scenario lacks), with
//!   differences of another Kubernetes release or of the node's kernel listed apart and
//!   hash-named chains mapped back to their Services ([`checknode::names`]). It sits
//!   beside [`views`]; nothing below imports it.
//! - [`pernode`] — per-node truth for NodePort and LoadBalancer Services: node by node,
//!   what kube-proxy does with a connection from outside (accept, forward, drop, reject),
//!   whether the client IP survives, the rule that decides (a packet walked through that
//!   node's rules in the scenario's mode, [`pernode::walk`], reusable for any packet), and
//!   what the health-check NodePort answers (kube-proxy's `/healthz` JSON).
//! - [`scenario`] — the pipeline in one call; [`scenario::Analysis::edit`] is the same
//!   after an edit of the text, with less work — the changed documents re-parsed
//!   ([`manifest::reparse_moved`]), the untouched objects' admissions carried over
//!   ([`apiserver::carry`]) or replayed ([`apiserver::replay`]) — and equal to a full [`scenario::analyze`]
//!   (`tests/incremental.rs` checks random edit sequences view by view, every node's
//!   rules in every mode, and what changed). [`scenario::Analysis::edit_at`] takes where
//!   the texts differ ([`manifest::TextEdit`]), which the worker knows from its splice, so
//!   a keystroke in a 6 MB text is neither copied nor compared whole; each document keeps
//!   its own text. The page's worker analyses every text as an edit of the last, in two
//!   tasks (the analysis, then the summary with the view's panel, skipped when the page
//!   says a newer text waits), in the page's language only, and what changed when asked
//!   after. An
//!   edit carries the listings made of the analysis before ([`proxy::chunks`],
//!   [`proxy::mode_chunks`]) with the Services it touched, when no object moved.
//! - [`changes`] — what an edit did downstream ([`changes::diff`] of two analyses on a
//!   node and mode: endpoints, rules per chain / nft chain or set / virtual server, DNS
//!   records, traffic shares, and which service ports kube-proxy's change tracking
//!   would resync), read off [`proxy::Proxier::groups`]; [`changes::diff_from`] is the
//!   same from what the worker keeps of an analysis an edit consumed
//!   (its endpoints and DNS records, [`scenario::Analysis::downstream`] — a
//!   [`dns::downstream::Downstream`] measured again after an edit only for the Services
//!   it touched — and kube-proxy on the node on show); a service port whose facts did not
//!   change is not compared further, and in iptables mode only the chains whose typed
//!   rules differ are printed ([`proxy::Proxier::changed_chains`], as kube-proxy's partial
//!   sync writes only changed chains; [`changes::diff_every_group`] compares every group,
//!   the property test's reference).
//! - [`compare`] — one scenario in two or three proxy modes side by side: what each
//!   programs, rules per Service, a walk of the same packet, and the differences that
//!   matter when migrating ([`compare::NOTES`], each with its upstream source).
//! - [`fidelity`] — which Kubernetes is modelled (every component's version, the output
//!   formats' from the printers' own constants) and the known differences from a real
//!   cluster: the page's version panel and `svcplay --version`.
//! - [`lang`] — the languages of svcplay's own words ([`lang::Lang`]: English and
//!   Chinese); what the real components print is never translated.
//! - [`quote`] — Go's `json.Marshal` and `strconv.Quote` of a string: the one escaper of
//!   every JSON and Go-quoted output.
//! - [`time`] — [`time::SimTime`], the simulated clock (the core reads no other).
//! - [`hash`] — FNV-1a, which every generated value (ClusterIPs, NodePorts, name
//!   suffixes, MACs) is derived from; [`hash::FnvBuild`] hashes the name-keyed maps of
//!   the API server's per-object bookkeeping; [`hash::text_hash`], a polynomial hash an
//!   edit updates piece by piece (which text the page's worker analysed).
//! - [`qr`] — a QR code encoder (ISO/IEC 18004, byte mode, versions 1–40) drawn as SVG:
//!   the presenter mode shows the room the link to the lesson step on screen.
//! - [`sort`] — stable sorting through one shared copy of the standard library's sort,
//!   which keeps the page's wasm small (use it instead of `slice::sort_by`).
//! - [`diagram`] — the page's cluster diagram as boxes and arrows (a pure layout);
//!   [`diagram::watch`] places a watched simulation on it (the client, each node's
//!   kube-proxy, the way of every request).
//! - [`examples`] — built-in scenarios: the page's default (the seed tutorial's lab), the
//!   gallery of every seed lab with English and Chinese explanations, the view that shows
//!   each lab's point and the object it is about, its Chinese twin (the same YAML with its
//!   comments in Chinese, `src/examples/zh/`), and a generated 5,000-Service dump for
//!   measurements ([`examples::dump`]).
//!
//! ## The page (`src/ui/`, outside this crate's library)
//!
//! The Yew app's own map is `src/ui/mod.rs`. Two of its rules bind every later feature
//! (lessons, embeds, the lab terminal):
//! - **Nothing the user typed is lost without their say-so.** Every path that puts a new
//!   scenario in the editor — share links, examples, imports, an embedding page's `load`,
//!   lessons, an embed's "Open in svcplay" — goes through one action, `Action::Replace`
//!   (`src/ui/history.rs`): the text it replaces is kept in a small history of recent
//!   scenarios (saved in local storage before the new text is analysed) with a one-click
//!   way back, or the user is asked first. A share link leaves the address bar once opened
//!   or edited, so a reload opens the draft, never the link over it.
//! - **No scenario can freeze the page.** The main thread analyses only what was measured
//!   cheap; texts from outside go to the Web Worker first; a draft whose analysis never
//!   finished opens paused (safe start, also `?safe`). The one size limit,
//!   [`manifest::MAX_SCENARIO_BYTES`], applies to links (inflated as a capped stream),
//!   embed messages, imports and drafts (`src/ui/limits.rs`).
//!
//! ## Layers
//!
//! Each top-level module imports only the modules on lower lines, and modules of one line
//! do not import each other (`tests/tidy.rs` reads this diagram and fails on an import
//! that goes up or sideways). A cycle means a type or function lives in the wrong place.
//!
//! ```text
//! lesson                         — lessons: the Markdown format, checks, starts and solutions
//! shell  checknode  pernode      — the lab terminal; check a real node's dumps; per-node truth of NodePorts
//! examples  actions  diagram  fidelity — built-in scenarios; one-click text edits; the diagram; what is modelled
//! views  changes  compare        — the simulated commands (kubectl, iptables-save, nft, dig, curl…); what an edit changed; the modes side by side
//! simulate                       — requests from a client of the scenario, through its node's proxier
//! scenario                       — the pipeline in one call: the Analysis and its proxier cache
//! proxy  dns                     — kube-proxy (facts, the Proxier seam, every mode); CoreDNS
//! controllers                    — Pods, EndpointSlices, Endpoints, learner hints
//! apiserver                      — admission: defaults, allocation, validation
//! model  session                 — typed objects and the API's own helpers; format v2's files and session
//! manifest                       — YAML with spans, raw objects, strict decoding
//! diag  sort  quote  time  hash  lang  qr — diagnostics, sorting, Go's quoting, SimTime, FNV-1a, languages, QR codes
//! ```
//!
//! The page (`src/web.rs`, `src/ui/`) and the CLI (`src/main.rs`, `src/cli.rs`,
//! `src/shell_cli.rs`, `src/lesson_cli.rs`, `src/serve_cli.rs`) sit above all of it and
//! are the only code that does I/O.
//!
//! ## The page's first load: the pre-rendered lab, the app's module after it
//!
//! The budget for the page's first load is 300 KB gzip (PRODUCT.md, issue 19): every file
//! fetched before the page is interactive. The app's one wasm module is far above it
//! (≈ 1.1 MB gzip), so a fresh visit does not wait for it. At build time
//! `static/build/prerender.mjs` (Trunk's post-build hook) opens the built page in headless
//! Chromium and keeps the markup the app renders for the default lab, per language and
//! theme, in `index.html`; Trunk's tags that load the app move into a template. The loader
//! (`static/loader.js`, inlined in `index.html`) shows that markup on a fresh visit — no
//! link, no saved work, no embed — with the lab's rules on screen and a real textarea
//! taking input, and fetches the app once the page is idle or touched; anything else loads
//! the app at once. The app then takes over without losing what the reader did
//! (`src/ui/prerender.rs`: typed text becomes their edit; selection, scroll, focus and
//! clicks made meanwhile carry over). First load measured by `tests/e2e/prerender.rs`
//! (`test-output/first-load.txt`): ≈ 20 KB gzip.
//!
//! ## The page's two wasm modules (a line drawn, not yet built)
//!
//! Splitting the app itself would make what it fetches after the first paint smaller: what
//! the page's main thread does not need would come in a second wasm module loaded on first
//! use. On stable Rust the two modules
//! cannot share a heap (each has its own copy of std), so they talk only in the worker's
//! bytes (`src/ui/wire.rs`), and the line between them is drawn so that no type has to
//! cross it:
//!
//! - **First module** (the page's main thread): the UI shell and the editor, [`diag`],
//!   [`sort`], [`quote`], [`time`], [`hash`], [`manifest`], [`model`], [`apiserver`],
//!   [`controllers`], [`scenario`], [`actions`], [`diagram`], the default example, and
//!   of [`proxy`]: [`proxy::config`], [`proxy::facts`], [`proxy::lines`], the seam
//!   ([`proxy::Proxier`], [`proxy::NodeProxy`]) and the default mode's backend
//!   ([`proxy::iptables`]: its rules, the node's tables, `iptables-save`, its tracer). A
//!   keystroke on a small scenario therefore shows the API server's words, the
//!   EndpointSlices and the iptables rules without loading anything else.
//! - **Second module** (loaded by the Web Worker on first use: another mode, the
//!   terminal, the traffic panel, DNS, a large scenario): the whole core again, adding
//!   [`proxy::ipvs`], [`proxy::nftables`], [`proxy::userspace`], [`proxy::sim`],
//!   [`simulate`], [`views`] (kubectl, dig, ipvsadm, ipset, nft, curl), [`dns`],
//!   [`checknode`] and [`pernode`] (the check and per-node tabs), and the gallery and
//!   [`examples::dump`]. The worker already answers every panel, command and
//!   simulation by revision (`Request::Panel`, `Run`, `Simulate`), so the page asks it
//!   for whatever the first module leaves out.
//!
//! The seam is whole in each module: [`proxy::Proxier`] renders the modes its module was
//! built with (the first module's answers for another mode come from the worker), so no
//! proxier ever holds rules from the other module. Implementing the split (a cargo
//! feature that leaves the second module's parts out of the page build, and the worker
//! loading the second wasm) is the budgets issue's; this is where its line goes.
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
pub mod changes;
pub mod checknode;
pub mod compare;
pub mod controllers;
pub mod diag;
pub mod diagram;
pub mod dns;
pub mod examples;
pub mod fidelity;
pub mod hash;
pub mod lang;
pub mod lesson;
pub mod manifest;
pub mod model;
pub mod pernode;
pub mod proxy;
pub mod qr;
pub mod quote;
pub mod scenario;
pub mod session;
pub mod shell;
pub mod simulate;
pub mod sort;
pub mod time;
pub mod views;
